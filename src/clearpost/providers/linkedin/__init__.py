"""LinkedIn organization page: client (provider), errors, fake (local Community Management API)."""
