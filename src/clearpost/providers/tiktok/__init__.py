"""TikTok: client (provider), errors (envelope map), fake (local Content Posting API)."""
