"""Rule IDs (see /work/shared/RULES.md) that the media engine's refusals and findings
cite. One place, so a stage, a detector and video.py name the same rule the same way."""

from __future__ import annotations

FACE_RULE = "HIPAA-DEID-FULL-FACE"
TEXT_RULE = "HIPAA-DEID-CONTACT-IDS"
META_RULE = "HIPAA-DEID-METADATA"
FEATURE_RULE = "HIPAA-DEID-UNIQUE-FEATURES"
# A bug anywhere in one file's processing refuses that file (batch.py uses the same).
SAFE_HARBOR_RULE = "HIPAA-DEID-SAFE-HARBOR-18"
