"""Instagram through Facebook Login: client (provider), errors (Graph map), fake (local Graph)."""
