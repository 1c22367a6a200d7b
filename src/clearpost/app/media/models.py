"""The media library: uploaded photos and videos, their de-identified derivatives,
their links to patients and releases, and before/after pairs.

The original is PHI: it is stored encrypted (`media.sealed`, streaming AES-GCM) under
`original`, a storage name of Django's default storage, and is read only through
`media.actions.open_original`, which checks the role and audits the read. The
`derivative` is the engine's de-identified output (verified like any other), the only
file that may ever be posted. Other apps (posts, publishing) read items through
`media.selectors` and never write them; `media.actions` is the only write path.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models

from clearpost.app.authorizations.models import Authorization
from clearpost.app.patients.models import Patient
from clearpost.app.practices.models import Practice, PracticeScopedQuerySet


def new_media_id() -> str:
    return "md_" + secrets.token_urlsafe(12)


def new_pair_id() -> str:
    return "mp_" + secrets.token_urlsafe(12)


def new_upload_id() -> str:
    return "up_" + secrets.token_urlsafe(12)


class Kind(models.TextChoices):
    PHOTO = "photo", "Photo"
    VIDEO = "video", "Video"


class MediaStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded, waiting for de-identification"
    PROCESSING = "processing", "De-identifying"
    CLEARED = "cleared", "Cleared"
    FAILED_VERIFICATION = "failed_verification", "Failed verification"
    REFUSED = "refused", "Refused"
    DELETED = "deleted", "Deleted"


FINISHED = frozenset(
    {MediaStatus.CLEARED, MediaStatus.FAILED_VERIFICATION, MediaStatus.REFUSED, MediaStatus.DELETED}
)


STAGE_WORDS = {
    "queued": "waiting for a worker",
    "starting": "starting",
    "scrub": "removing hidden data",
    "detect": "finding faces and text",
    "redo": "redacting again where the check found more",
    "redact": "redacting",
    "encode": "writing the clean copy",
    "verify": "checking the clean copy",
    "done": "done",
}


# (start %, width %) of each video stage on the one progress bar. The engine makes one
# pass (video.py): each frame is searched, redacted, encoded and checked as "detect"
# counts it; "encode" and "verify" only flush the encoder's last frames. When the
# output check fails, the engine makes the pass again ("redo"): the bar starts over,
# with words that say why.
VIDEO_STAGES = {"detect": (0, 95), "redo": (0, 95), "encode": (95, 3), "verify": (98, 2)}


class NoPatientKind(models.TextChoices):
    NONE = "", "Shows a patient"
    STAFF = "staff", "Staff"
    FACILITY = "facility", "Facility"
    STOCK = "stock", "Stock image"


class MediaItem(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    public_id = models.CharField(max_length=32, unique=True, default=new_media_id, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(
        max_length=24, choices=MediaStatus.choices, default=MediaStatus.UPLOADED, db_index=True
    )
    # The name the file had on the uploader's device can itself be PHI ("jane_doe.jpg"):
    # it is sealed like any identity field and shown only to roles that see originals.
    original_name_enc = models.TextField(blank=True)
    original_format = models.CharField(max_length=16, blank=True)
    original = models.CharField(max_length=255, blank=True, help_text="storage name (encrypted)")
    original_sha256 = models.CharField(max_length=64, blank=True)
    original_size = models.BigIntegerField(default=0)
    derivative = models.CharField(max_length=255, blank=True, help_text="storage name")
    derivative_sha256 = models.CharField(max_length=64, blank=True)
    derivative_ext = models.CharField(max_length=8, blank=True)
    report = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True, help_text="why not cleared, starting with a rule ID")
    # Manual regions in the engine's regions format (one file's "regions" list).
    regions = models.JSONField(default=list, blank=True)
    # Set by the privacy officer (with a written reason, audited) when every linked
    # release covers "face shown": the next de-identification keeps faces.
    keep_faces = models.BooleanField(default=False)
    keep_faces_reason = models.TextField(blank=True)
    faces_left_visible = models.BooleanField(default=False)
    shows_no_patient = models.BooleanField(default=False)
    no_patient_kind = models.CharField(
        max_length=16, choices=NoPatientKind.choices, default=NoPatientKind.NONE, blank=True
    )
    provenance_flags = models.JSONField(default=list, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    body_regions = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Each (re-)run of de-identification gets a new generation; a task carries the
    # generation it was queued for and does nothing when the item has moved on.
    generation = models.PositiveIntegerField(default=0)
    progress_stage = models.CharField(max_length=32, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = PracticeScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["practice", "status", "-created_at"])]

    def __str__(self) -> str:
        return self.public_id  # never the file name: it may name a patient

    @property
    def original_name(self) -> str:
        """Decrypts the device's file name; call only where the original may be seen."""
        from clearpost.app.media.sealed import open_text

        return open_text(self.original_name_enc, f"media:{self.public_id}:name")

    @property
    def percent(self) -> int:
        if self.status in FINISHED:
            return 100
        if not self.progress_total:
            return 0
        share = self.progress_done / self.progress_total
        if self.kind == Kind.VIDEO and self.progress_stage in VIDEO_STAGES:
            # A video counts frames once per stage; the bar covers all three stages.
            start, width = VIDEO_STAGES[self.progress_stage]
            return min(99, round(start + width * share))
        return min(99, round(100 * share))

    @property
    def stage_label(self) -> str:
        return STAGE_WORDS.get(self.progress_stage, self.progress_stage.replace("_", " "))

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def report_dict(self) -> dict[str, Any]:
        return self.report if isinstance(self.report, dict) else {}


class MediaLink(models.Model):
    """The item depicts this patient; `authorization` is the release that should cover it."""

    item = models.ForeignKey(MediaItem, on_delete=models.CASCADE, related_name="links")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    authorization = models.ForeignKey(
        Authorization, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "patient", "authorization"], name="one_media_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} -> {self.patient}"


class MediaPair(models.Model):
    """A before/after pair of one patient. Dates default to the capture dates read from
    the metadata before it was scrubbed; an edited date keeps the reason it was edited."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    public_id = models.CharField(max_length=32, unique=True, default=new_pair_id, editable=False)
    before = models.ForeignKey(MediaItem, on_delete=models.PROTECT, related_name="+")
    after = models.ForeignKey(MediaItem, on_delete=models.PROTECT, related_name="+")
    before_date = models.DateField(null=True, blank=True)
    after_date = models.DateField(null=True, blank=True)
    date_edit_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = PracticeScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return self.public_id

    @property
    def days_between(self) -> int | None:
        if self.before_date is None or self.after_date is None:
            return None
        return (self.after_date - self.before_date).days


class UploadSession(models.Model):
    """A chunked, resumable upload in progress (the bytes sit in a private temporary
    file under the data folder until the last chunk arrives)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=32, unique=True, default=new_upload_id, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name_enc = models.TextField(blank=True)
    size = models.BigIntegerField()
    received = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PracticeScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return self.public_id
