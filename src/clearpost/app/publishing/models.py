"""Where a practice publishes: its connected professional accounts.

A connected account is a practice's own business, creator, page or organization account
on one platform (ASPS-PROFESSIONAL-ACCOUNT: never a staff member's personal account),
or one of the two targets that need no platform (the practice website's gallery and the
"ready to post" kit). Its tokens are AES-GCM ciphertexts bound to the account's public
ID, like every other secret at rest. The posts gate reads `is_professional`,
`is_usable()` and `age_restriction_applied`; the publishing providers own the rest.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from clearpost import crypto
from clearpost.app.practices.models import Practice, PracticeScopedQuerySet


def new_public_id() -> str:
    return "ca_" + secrets.token_urlsafe(12)


class Platform(models.TextChoices):
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook Page"
    TIKTOK = "tiktok", "TikTok"
    LINKEDIN = "linkedin", "LinkedIn page"
    X = "x", "X"
    WEBSITE = "website", "Practice website gallery"
    KIT = "kit", "Ready-to-post kit"
    GBP = "gbp", "Google Business Profile (reviews)"


# The platforms a ready-to-post kit can be meant for (the social ones a release names).
KIT_PLATFORMS = [
    (p.value, p.label)
    for p in (Platform.INSTAGRAM, Platform.FACEBOOK, Platform.TIKTOK, Platform.LINKEDIN, Platform.X)
]


class AccountKind(models.TextChoices):
    BUSINESS = "business", "Business account"
    CREATOR = "creator", "Creator account"
    PAGE = "page", "Page"
    ORGANIZATION = "organization", "Organization page"
    PRACTICE_OWNED = "practice_owned", "Owned by the practice (no platform)"
    PERSONAL = "personal", "Personal account"


PROFESSIONAL_KINDS = frozenset(
    {
        AccountKind.BUSINESS,
        AccountKind.CREATOR,
        AccountKind.PAGE,
        AccountKind.ORGANIZATION,
        AccountKind.PRACTICE_OWNED,
    }
)


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Connected"
    NEEDS_REAUTH = "needs_reauth", "Needs to be connected again"
    DISCONNECTED = "disconnected", "Disconnected"


class ConnectedAccount(models.Model):
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, related_name="connected_accounts"
    )
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    platform = models.CharField(max_length=16, choices=Platform.choices)
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    external_id = models.CharField(max_length=128, blank=True)
    display_name = models.CharField(max_length=200)
    handle = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    # ASPS-GRAPHIC-CONTENT: graphic surgical content may go only where the platform's
    # age restriction is applied on this account.
    age_restriction_applied = models.BooleanField(default=False)
    # A kit is posted by a person from a phone to one platform; naming it here gives the
    # posts gate a platform to check the patient's release against (blank: refused).
    kit_platform = models.CharField(max_length=16, choices=KIT_PLATFORMS, blank=True)
    access_token_enc = models.TextField(blank=True)
    refresh_token_enc = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=list, blank=True)
    reviews_polled_at = models.DateTimeField(null=True, blank=True)
    # Refresh tokens expire too (TikTok 180 d, X rotating); Meta drops a permission unused
    # for 90 days: both are warned about days ahead (see publishing.accounts).
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(default=timezone.now)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = PracticeScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "platform", "external_id"], name="one_connection_per_account"
            )
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def consent_platform(self) -> str:
        """The platform the patient's release must cover: for a kit, the platform it is
        meant for; a kit with none stays "kit", which no release names (refused)."""
        if self.platform == Platform.KIT and self.kit_platform:
            return str(self.kit_platform)
        return str(self.platform)

    @property
    def is_professional(self) -> bool:
        return self.kind in PROFESSIONAL_KINDS

    def is_usable(self, at: dt.datetime | None = None) -> bool:
        """Connected, professional, and (for platform accounts) holding an unexpired token."""
        if self.status != AccountStatus.ACTIVE or not self.is_professional:
            return False
        if self.token_expires_at is None:
            return True
        return self.token_expires_at > (at or timezone.now())

    def _aad(self, field: str) -> str:
        return f"connected_account:{self.public_id}:{field}"

    def set_tokens(self, access: str, refresh: str = "") -> None:
        key = settings.CLEARPOST_ENCRYPTION_KEY
        self.access_token_enc = crypto.encrypt(key, access, self._aad("access")) if access else ""
        self.refresh_token_enc = (
            crypto.encrypt(key, refresh, self._aad("refresh")) if refresh else ""
        )

    def access_token(self) -> str:
        token = self.access_token_enc
        key = settings.CLEARPOST_ENCRYPTION_KEY
        return crypto.decrypt(key, token, self._aad("access")) if token else ""

    def refresh_token(self) -> str:
        token = self.refresh_token_enc
        key = settings.CLEARPOST_ENCRYPTION_KEY
        return crypto.decrypt(key, token, self._aad("refresh")) if token else ""


# --- publishing: one publication per post and account, attempts logged before calls ---


def new_publication_id() -> str:
    return "pub_" + secrets.token_urlsafe(12)


def new_takedown_id() -> str:
    return "td_" + secrets.token_urlsafe(12)


class PublicationState(models.TextChoices):
    QUEUED = "queued", "Queued"
    IN_FLIGHT = "in_flight", "Publishing"
    PROCESSING = "processing", "Processing on the platform"
    RETRY_WAIT = "retry_wait", "Waiting to try again"
    UNKNOWN = "unknown", "Outcome unknown: checking with the platform"
    PUBLISHED = "published", "Published"
    MANUAL = "manual", "Kit ready: posted by hand"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Unscheduled"
    DELETED = "deleted", "Deleted from the platform"
    TAKEDOWN_OPEN = "takedown_open", "Manual takedown open"
    TAKEN_DOWN_MANUALLY = "taken_down_manually", "Taken down by hand"


LIVE_STATES = frozenset(
    {
        PublicationState.PUBLISHED,
        PublicationState.MANUAL,
        PublicationState.PROCESSING,
        PublicationState.UNKNOWN,
        PublicationState.IN_FLIGHT,
    }
)


class Publication(models.Model):
    """A post on one account. Unique per (post, account): the row that makes "never
    publish twice to one account" a database constraint, not a hope."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    public_id = models.CharField(
        max_length=32, unique=True, default=new_publication_id, editable=False
    )
    post = models.ForeignKey("posts.Post", on_delete=models.PROTECT, related_name="publications")
    account = models.ForeignKey(
        ConnectedAccount, on_delete=models.PROTECT, related_name="publications"
    )
    state = models.CharField(
        max_length=24, choices=PublicationState.choices, default=PublicationState.QUEUED
    )
    tries = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    handle = models.CharField(max_length=200, blank=True, help_text="container / publish_id")
    platform_post_id = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    media_hashes = models.JSONField(default=list, blank=True)
    caption_sha256 = models.CharField(max_length=64, blank=True)
    last_error = models.JSONField(default=dict, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Set when a release the post relies on is revoked or expires: from then on the row
    # is only ever taken down, never (re)published.
    takedown_requested_at = models.DateTimeField(null=True, blank=True)
    takedown_reason = models.CharField(max_length=300, blank=True)
    takedown_tries = models.PositiveSmallIntegerField(default=0)
    comments_polled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PracticeScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "account"], name="one_publication_per_account")
        ]

    def __str__(self) -> str:
        return self.public_id


class AttemptOutcome(models.TextChoices):
    IN_FLIGHT = "in_flight", "Call in flight"
    PUBLISHED = "published", "Published"
    PROCESSING = "processing", "Accepted, processing"
    ERROR = "error", "Error"
    UNKNOWN = "unknown", "Outcome unknown"
    FOUND = "found", "Reconciled: found on the platform"
    ABSENT = "absent", "Reconciled: not on the platform"


class PublishAttempt(models.Model):
    """Written and committed BEFORE the platform call; an attempt still `in_flight`
    when the next run starts means a worker died mid-call: its outcome is asked of the
    platform, never guessed."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, default="publish")  # publish | reconcile | delete
    outcome = models.CharField(
        max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.IN_FLIGHT
    )
    handle = models.CharField(max_length=200, blank=True)
    error = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.publication_id}#{self.number}"


class TakedownState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class Takedown(models.Model):
    """A post that must come down by hand: the platform cannot delete (TikTok, a kit, the
    Instagram Login path) or the delete failed. Open until a person records it; past its
    deadline it escalates to the privacy officer. Never shown as "deleted"."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    public_id = models.CharField(
        max_length=32, unique=True, default=new_takedown_id, editable=False
    )
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="takedowns")
    reason = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    steps = models.TextField()
    deadline = models.DateTimeField()
    state = models.CharField(
        max_length=8, choices=TakedownState.choices, default=TakedownState.OPEN
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PracticeScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication"],
                condition=models.Q(state="open"),
                name="one_open_takedown_per_publication",
            )
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def overdue(self) -> bool:
        return self.state == TakedownState.OPEN and self.deadline <= timezone.now()


# --- the comments inbox --------------------------------------------------------------


def new_comment_id() -> str:
    return "cm_" + secrets.token_urlsafe(12)


class CommentState(models.TextChoices):
    NEW = "new", "New"
    HIDDEN = "hidden", "Hidden automatically (PHI)"
    NEEDS_PERSON = "needs_person", "Needs a person (cannot be hidden here)"
    AWAITING_APPROVAL = "awaiting_ok", "Reply waiting for a second person's approval"
    REPLIED = "replied", "Replied"
    DONE = "done", "No action needed"


class InboxComment(models.Model):
    """A comment on a published post. Its text and author may be PHI (a commenter naming
    a patient, a patient disclosing a procedure), so both are sealed to the row like
    every other PHI; the classification keeps categories and rule IDs only."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    public_id = models.CharField(max_length=32, unique=True, default=new_comment_id, editable=False)
    # A comment belongs to a publication; a review (Google Business Profile) to an account.
    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="comments", null=True, blank=True
    )
    account = models.ForeignKey(
        ConnectedAccount, on_delete=models.CASCADE, related_name="reviews", null=True, blank=True
    )
    external_id = models.CharField(max_length=200)
    parent_external_id = models.CharField(max_length=200, blank=True)
    text_enc = models.TextField()
    author_enc = models.TextField(blank=True)
    commented_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=8, blank=True)
    categories = models.JSONField(default=list, blank=True)
    rules = models.JSONField(default=list, blank=True)
    action = models.CharField(max_length=32, blank=True)
    suggested_reply = models.TextField(blank=True)
    state = models.CharField(max_length=16, choices=CommentState.choices, default=CommentState.NEW)
    hidden_at = models.DateTimeField(null=True, blank=True)
    reply_external_id = models.CharField(max_length=200, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # A checked reply waiting for a second person (PublishingSettings.replies_need_approval).
    # Sealed like the comment: a reply that passed the check may still name someone.
    pending_reply_enc = models.TextField(blank=True)
    pending_reply_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    pending_reply_at = models.DateTimeField(null=True, blank=True)

    objects = PracticeScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "external_id"], name="one_inbox_row_per_comment"
            ),
            models.UniqueConstraint(
                fields=["account", "external_id"],
                condition=models.Q(publication__isnull=True),
                name="one_inbox_row_per_review",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    def _aad(self, field: str) -> str:
        return f"inbox_comment:{self.public_id}:{field}"

    def seal(self, text: str, author: str) -> None:
        key = settings.CLEARPOST_ENCRYPTION_KEY
        self.text_enc = crypto.encrypt(key, text, self._aad("text"))
        self.author_enc = crypto.encrypt(key, author, self._aad("author")) if author else ""

    def text(self) -> str:
        return crypto.decrypt(settings.CLEARPOST_ENCRYPTION_KEY, self.text_enc, self._aad("text"))

    def seal_pending_reply(self, text: str) -> None:
        key = settings.CLEARPOST_ENCRYPTION_KEY
        self.pending_reply_enc = crypto.encrypt(key, text, self._aad("pending_reply"))

    def pending_reply(self) -> str:
        if not self.pending_reply_enc:
            return ""
        key = settings.CLEARPOST_ENCRYPTION_KEY
        return crypto.decrypt(key, self.pending_reply_enc, self._aad("pending_reply"))

    def author(self) -> str:
        if not self.author_enc:
            return ""
        key = settings.CLEARPOST_ENCRYPTION_KEY
        return crypto.decrypt(key, self.author_enc, self._aad("author"))


class PublishingSettings(models.Model):
    """A practice's publishing choices. `replies_need_approval`: a reply written in the
    inbox is checked, then waits for a reviewer or privacy officer other than its writer
    before it is sent (issue 9: "by practice setting, approved before it is sent").
    No row means the defaults (off: the person pressing Send approves)."""

    practice = models.OneToOneField(
        Practice, on_delete=models.PROTECT, related_name="publishing_settings"
    )
    replies_need_approval = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = PracticeScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"publishing settings of {self.practice_id}"
