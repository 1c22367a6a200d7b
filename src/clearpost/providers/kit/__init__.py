"""The "ready to post" kit: a zip for practices that post from a phone."""
