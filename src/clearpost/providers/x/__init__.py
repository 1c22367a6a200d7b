"""X: client (provider), errors (problem JSON map), fake (local API v2)."""
