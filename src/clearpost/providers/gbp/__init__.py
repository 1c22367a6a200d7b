"""Google Business Profile reviews: client (provider), errors (Google JSON), fake."""
