"""Facebook Page: client (provider), errors (Graph map), fake (local Pages API)."""
