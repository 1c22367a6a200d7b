"""Posts from draft to "approved and scheduled", and the evidence of every step.

A post is cleared media (derivatives only), a caption, target accounts and a time. The
gate (`clearpost.engine.gate`) decides whether it may move on; each run is stored
(`GateRun`) and the latest is copied onto the post for lists and the calendar.
Approvals and the patient's preview are bound to digests of the exact content they saw,
so any change to media, caption, targets or time window voids them (`posts.content`).
`posts.actions` is the only write path.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from clearpost.app.media.models import MediaItem, MediaPair
from clearpost.app.practices.models import Practice, PracticeScopedQuerySet
from clearpost.app.publishing.models import ConnectedAccount


def new_post_id() -> str:
    return "po_" + secrets.token_urlsafe(12)


def new_preview_id() -> str:
    return "pv_" + secrets.token_urlsafe(12)


def new_template_id() -> str:
    return "ct_" + secrets.token_urlsafe(12)


class PostType(models.TextChoices):
    EDUCATIONAL_TIP = "educational_tip", "Educational tip"
    BEFORE_AFTER = "before_after", "Before/after (with consent)"
    TEAM_SPOTLIGHT = "team_spotlight", "Team spotlight"
    FAQ = "faq", "FAQ"
    BEHIND_THE_SCENES = "behind_the_scenes", "Behind the scenes"
    TESTIMONIAL = "testimonial", "Testimonial"


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    AWAITING_PATIENT = "awaiting_patient", "Awaiting patient"
    APPROVED = "approved", "Approved"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"
    TAKEN_DOWN = "taken_down", "Taken down"


EDITABLE_STATES = frozenset(
    {State.DRAFT, State.IN_REVIEW, State.AWAITING_PATIENT, State.APPROVED, State.SCHEDULED}
)


class Risk(models.TextChoices):
    NONE = "none", "None"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class NameShown(models.TextChoices):
    NONE = "none", "No name"
    FIRST_NAME = "first_name", "First name"
    FULL_NAME = "full_name", "Full name"


class Purpose(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    EDUCATION = "education", "Patient education"
    PROFESSIONAL_EDUCATION = "professional_education", "Professional education"


class Post(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    public_id = models.CharField(max_length=32, unique=True, default=new_post_id, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    post_type = models.CharField(max_length=24, choices=PostType.choices)
    caption = models.TextField(blank=True)
    name_shown = models.CharField(max_length=16, choices=NameShown.choices, default="none")
    purpose = models.CharField(max_length=32, choices=Purpose.choices, default="marketing")
    paid_promotion = models.BooleanField(default=False)
    graphic = models.BooleanField(default=False)
    pair = models.ForeignKey(
        MediaPair, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    scheduled_at = models.DateTimeField(null=True, blank=True, db_index=True)
    risk = models.CharField(max_length=8, choices=Risk.choices, default=Risk.NONE)
    # The latest gate run, copied here for lists, the calendar and the dashboard.
    gate = models.JSONField(default=dict, blank=True)
    gate_passed = models.BooleanField(default=False)
    gate_checked_at = models.DateTimeField(null=True, blank=True)
    identifiable = models.BooleanField(default=False)
    preview_required = models.BooleanField(default=False)
    rejection_reason = models.TextField(blank=True)
    failure_reason = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    taken_down_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PracticeScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["practice", "state", "scheduled_at"])]

    def __str__(self) -> str:
        return self.public_id

    def _prefetched(self, name: str) -> bool:
        return name in getattr(self, "_prefetched_objects_cache", {})

    def ordered_media(self) -> list[PostMedia]:
        """In order; uses a `prefetch_related("media__item")` when the list made one."""
        rows = self.media.all() if self._prefetched("media") else self.media.select_related("item")
        return sorted(rows, key=lambda pm: (pm.position, pm.pk))

    def target_accounts(self) -> list[ConnectedAccount]:
        rows = (
            self.targets.all()
            if self._prefetched("targets")
            else self.targets.select_related("account")
        )
        return [t.account for t in sorted(rows, key=lambda t: t.pk)]


class PostMedia(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    item = models.ForeignKey(MediaItem, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "item"], name="post_media_once")]

    def __str__(self) -> str:
        return f"{self.post} #{self.position}"


class PostTarget(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets")
    account = models.ForeignKey(ConnectedAccount, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "account"], name="post_target_once")]

    def __str__(self) -> str:
        return f"{self.post} -> {self.account}"


class GateRun(models.Model):
    """One run of the gate and its whole result, kept as evidence (submit, approval,
    reschedule, publish)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="gate_runs")
    stage = models.CharField(max_length=16)
    at = models.DateTimeField(help_text="the time the gate checked the post for")
    ran_at = models.DateTimeField(auto_now_add=True)
    passed = models.BooleanField()
    result = models.JSONField()
    result_sha256 = models.CharField(max_length=64)
    content_sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.post} {self.stage} {'passed' if self.passed else 'blocked'}"


class Justification(models.Model):
    """A reviewer's written reason for one `review` finding (matched by its gate key)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="justifications")
    key = models.CharField(max_length=300)
    rule = models.CharField(max_length=64)
    text = models.TextField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "key"], name="one_justification")]

    def __str__(self) -> str:
        return f"{self.post} {self.rule}"


class PreviewStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the patient"
    APPROVED = "approved", "Approved by the patient"
    DECLINED = "declined", "Declined by the patient"
    VOID = "void", "Void (the post changed or a new link was sent)"


class PatientPreview(models.Model):
    """A private link for the patient to see the exact post and decide. Only a SHA-256
    of the link's secret is stored; the link works for one decision and expires."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="previews")
    public_id = models.CharField(max_length=32, unique=True, default=new_preview_id, editable=False)
    token_hash = models.CharField(max_length=64, unique=True)
    content_sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=12, choices=PreviewStatus.choices, default=PreviewStatus.PENDING
    )
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.public_id


class ApprovalKind(models.TextChoices):
    REVIEW = "review", "Reviewer"
    PRIVACY = "privacy", "Privacy officer"


class Approval(models.Model):
    """What one approver saw: every media derivative's SHA-256, the caption, the target
    accounts and the scheduling window. Any change voids it; it expires with its window."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(max_length=12, choices=ApprovalKind.choices)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    media_sha256 = models.JSONField(default=list)
    caption = models.TextField()
    targets = models.JSONField(default=list)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    content_sha256 = models.CharField(max_length=64)
    note = models.TextField(blank=True)
    approved_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.post} {self.kind} by {self.approver_id}"


class PostPolicy(models.Model):
    """The practice's post policy: whether posts featuring minors are allowed, and per
    post type whether the patient's preview is required ("required", "not_required" or
    absent for the default: required exactly for identifiable posts)."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="+")
    minors_allowed = models.BooleanField(default=False)
    preview = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"post policy of {self.practice_id}"

    def preview_required(self, post_type: str) -> bool | None:
        value = (self.preview or {}).get(post_type)
        return {"required": True, "not_required": False}.get(str(value))


class CaptionTemplate(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(
        max_length=32, unique=True, default=new_template_id, editable=False
    )
    name = models.CharField(max_length=120)
    post_type = models.CharField(max_length=24, choices=PostType.choices)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PracticeScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name
