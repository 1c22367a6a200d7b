"""The compliance gate: may this post go out, and if not, what does each person do?

Pure data in, a list of findings out. The app builds a `PostIn` from its rows (releases
as the check-consent contract's `authorization` objects, media as their verification
outcome, targets as connected accounts) and stores the `GateResult` with the post. The
same function runs at compose, submit, approval and publish time; only the patient
preview is treated differently by stage (it cannot have happened before submission).

Every finding names a catalog rule (checked at construction), says in plain words what
is wrong and what the user can do about it. A `review` finding holds the post back
until someone writes a justification for it; a `block` finding cannot be overridden.
Anything that cannot be checked (an unreadable release, a text check that did not run,
an unknown platform) is a blocking finding: the gate fails closed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from clearpost.engine.catalog import rule as catalog_rule
from clearpost.engine.consent.check import ADULT_AGE, age_on, check
from clearpost.engine.consent.model import MalformedInput, parse_authorization, parse_use
from clearpost.engine.text.model import Category
from clearpost.engine.text.model import Result as TextResult

__all__ = [
    "AGE_RESTRICTION_PLATFORMS",
    "CONSENT_PLATFORMS",
    "POST_TYPES",
    "Author",
    "GateFinding",
    "GateResult",
    "Media",
    "Patient",
    "Policy",
    "PostIn",
    "Target",
    "has_timeframe",
    "run_gate",
]

Stage = Literal["compose", "submit", "approve", "publish"]
Severity = Literal["block", "review", "info"]
Risk = Literal["none", "low", "medium", "high"]

POST_TYPES = (
    "educational_tip",
    "before_after",
    "team_spotlight",
    "faq",
    "behind_the_scenes",
    "testimonial",
)
# Connected-account platforms that a release can name (check-consent's platform set).
# The ready-to-post kit has no fixed platform, so no release can be checked against it.
CONSENT_PLATFORMS = frozenset({"instagram", "facebook", "tiktok", "linkedin", "x", "website"})
# Platforms that let an account restrict a post to adults (ASPS-GRAPHIC-CONTENT). Where a
# platform offers none, graphic content is not posted there at all.
AGE_RESTRICTION_PLATFORMS = frozenset({"instagram", "facebook", "tiktok", "x"})
# Provenance flags from the media pipeline. A filter changes how the result looks and
# is refused outright; other edits need a reviewer's written reason (CA-BPC-651-ALTERED:
# nothing beyond crop, resize and whole-image exposure or white balance).
BLOCKING_PROVENANCE = frozenset({"filtered", "beauty_filter", "retouched"})
_INTERVAL = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s*[- ]?\s*"
    r"(day|week|month|year)s?\b",
    re.IGNORECASE,
)
_DISCLOSURE = re.compile(
    r"\b(complimentary|discount(ed)?|received|free|paid|sponsored|gifted|ad|"
    r"our (employee|team member|staff))\b|#ad\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Patient:
    """A depicted patient and the release linked for this post (a check-consent
    `authorization` object), or None when no release is linked."""

    ref: str
    authorization: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class Media:
    ref: str
    kind: str  # photo | video
    status: str  # the media library's status; only "cleared" may be posted
    faces_visible: bool = False
    body_regions: tuple[str, ...] = ()
    provenance_flags: tuple[str, ...] = ()
    patients: tuple[str, ...] = ()  # Patient.ref values
    shows_no_patient: bool = False
    graphic: bool = False
    reason: str = ""  # why not cleared, from the media library


@dataclass(frozen=True, slots=True)
class Target:
    ref: str
    platform: str
    label: str
    professional: bool
    usable: bool
    age_restriction_applied: bool = False


@dataclass(frozen=True, slots=True)
class Author:
    ref: str
    approved_poster: bool
    trained: bool


@dataclass(frozen=True, slots=True)
class Policy:
    minors_allowed: bool = False
    # None: the default (a preview is required exactly when the post is identifiable).
    preview_required: bool | None = None


@dataclass(frozen=True, slots=True)
class PostIn:
    post_type: str
    caption: str
    at: dt.datetime
    author: Author
    media: tuple[Media, ...] = ()
    patients: tuple[Patient, ...] = ()
    targets: tuple[Target, ...] = ()
    text: TextResult | None = None  # None: the text check could not run
    name_shown: str = "none"  # none | first_name | full_name
    purpose: str = "marketing"
    paid_promotion: bool = False
    graphic: bool = False
    live: bool = False
    policy: Policy = field(default_factory=Policy)
    preview_status: str = "none"  # none | pending | approved | declined
    justifications: Mapping[str, str] = field(default_factory=dict)
    practice_tz: str = "UTC"
    stage: Stage = "submit"


@dataclass(frozen=True, slots=True)
class GateFinding:
    """One reason the post may not (yet) go out. `key` is stable across re-checks so a
    written justification stays attached to the finding it answers."""

    key: str
    rule: str
    code: str
    severity: Severity
    message: str
    action: str
    subject: str = ""
    justification: str = ""
    start: int | None = None
    end: int | None = None
    suggestion: str | None = None

    def __post_init__(self) -> None:
        catalog_rule(self.rule)  # a typo in a rule ID fails loudly

    @property
    def blocking(self) -> bool:
        return self.severity == "block" or (
            self.severity == "review" and not self.justification.strip()
        )

    @property
    def needs_justification(self) -> bool:
        return self.severity == "review"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "rule": self.rule,
            "code": self.code,
            "severity": self.severity,
            "blocking": self.blocking,
            "message": self.message,
            "action": self.action,
            "subject": self.subject,
        }
        if self.justification:
            out["justification"] = self.justification
        if self.start is not None:
            out["start"], out["end"] = self.start, self.end
        if self.suggestion:
            out["suggestion"] = self.suggestion
        return out


@dataclass(frozen=True, slots=True)
class GateResult:
    passed: bool
    findings: list[GateFinding]
    identifiable: bool
    preview_required: bool
    risk: Risk
    stage: Stage
    suggested_caption: str | None = None

    @property
    def blocking(self) -> list[GateFinding]:
        return [f for f in self.findings if f.blocking]

    def rules(self) -> list[str]:
        return [f.rule for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "stage": self.stage,
            "identifiable": self.identifiable,
            "preview_required": self.preview_required,
            "risk": self.risk,
            "findings": [f.to_dict() for f in self.findings],
            "suggested_caption": self.suggested_caption,
        }


class _Out:
    """Collects findings, attaching any justification written for their key."""

    def __init__(self, justifications: Mapping[str, str]) -> None:
        self.items: list[GateFinding] = []
        self.just = justifications
        self.seen: set[str] = set()
        self.minor = False

    def add(
        self,
        key: str,
        rule: str,
        code: str,
        severity: Severity,
        message: str,
        action: str,
        subject: str = "",
        **kw: Any,
    ) -> None:
        if key in self.seen:
            return
        self.seen.add(key)
        just = self.just.get(key, "") if severity == "review" else ""
        self.items.append(
            GateFinding(key, rule, code, severity, message, action, subject, just.strip(), **kw)
        )


def has_timeframe(caption: str) -> bool:
    """Whether a caption says how long after the procedure ("6 weeks post-op")."""
    return _INTERVAL.search(caption) is not None


def run_gate(post: PostIn) -> GateResult:
    """Every check, every finding, in a fixed order (targets, author, media, releases,
    caption, graphic content, preview), so one pass shows everything to fix."""
    out = _Out(post.justifications)
    _targets(post, out)
    _author(post, out)
    _media(post, out)
    _releases(post, out)
    _caption(post, out)
    _graphic(post, out)
    identifiable = post.name_shown != "none" or any(
        m.faces_visible and not m.shows_no_patient for m in post.media
    )
    required = _preview(post, out, identifiable)
    passed = not any(f.blocking for f in out.items)
    return GateResult(
        passed=passed,
        findings=out.items,
        identifiable=identifiable,
        preview_required=required,
        risk=_risk(post, out.items, identifiable or out.minor),
        stage=post.stage,
        suggested_caption=post.text.suggested_text if post.text is not None else None,
    )


def _targets(post: PostIn, out: _Out) -> None:
    if post.live:
        out.add(
            "live",
            "ASPS-NO-LIVESTREAM",
            "LIVE_NOT_OFFERED",
            "block",
            "Live-streaming is not offered: live content cannot be reviewed or de-identified "
            "before people see it.",
            "Record the content, then post it through review like any other post.",
        )
    if not post.targets:
        out.add(
            "targets",
            "ASPS-PROFESSIONAL-ACCOUNT",
            "NO_TARGET",
            "block",
            "The post has no account to go to.",
            "Choose at least one of the practice's connected professional accounts.",
        )
    for t in post.targets:
        if not t.professional:
            out.add(
                f"target:{t.ref}:personal",
                "ASPS-PROFESSIONAL-ACCOUNT",
                "PERSONAL_ACCOUNT",
                "block",
                f"{t.label} is a personal account; practice content goes only to the "
                "practice's professional accounts.",
                "Remove this account and choose a professional one.",
                t.ref,
            )
        elif not t.usable:
            out.add(
                f"target:{t.ref}:unusable",
                "ASPS-PROFESSIONAL-ACCOUNT",
                "ACCOUNT_NOT_CONNECTED",
                "block",
                f"{t.label} is disconnected or its sign-in has expired.",
                "Ask the owner to connect the account again, or remove it from the post.",
                t.ref,
            )


def _author(post: PostIn, out: _Out) -> None:
    a = post.author
    if not a.approved_poster:
        out.add(
            "author:poster",
            "ASPS-TRAINING",
            "AUTHOR_NOT_APPROVED",
            "block",
            "The author is not an approved poster for this practice.",
            "Ask the owner to give the author the content-creator role, or let an approved "
            "poster take over the post.",
            a.ref,
        )
    if not a.trained:
        out.add(
            "author:training",
            "ASPS-TRAINING",
            "AUTHOR_TRAINING_DUE",
            "block",
            "The author's social-media training is not current.",
            "Ask the privacy officer to record the author's training.",
            a.ref,
        )


def _media(post: PostIn, out: _Out) -> None:
    for m in post.media:
        if m.status == "failed_verification":
            out.add(
                f"media:{m.ref}:failed",
                "HIPAA-DEID-SAFE-HARBOR-18",
                "MEDIA_FAILED_VERIFICATION",
                "block",
                f"Media {m.ref} failed verification: something identifying was left in it"
                + (f" ({m.reason})." if m.reason else "."),
                "Remove it from the post; in the media library, mark what to hide and "
                "de-identify it again.",
                m.ref,
            )
        elif m.status != "cleared":
            out.add(
                f"media:{m.ref}:not_cleared",
                "HIPAA-DEID-SAFE-HARBOR-18",
                "MEDIA_NOT_CLEARED",
                "block",
                f"Media {m.ref} is not cleared ({m.status.replace('_', ' ') or 'unknown'}).",
                "Wait for de-identification to finish, or choose a cleared item.",
                m.ref,
            )
        if not m.shows_no_patient and not m.patients:
            out.add(
                f"media:{m.ref}:unlinked",
                "SCOPE-NOT-TPO",
                "MEDIA_NOT_LINKED",
                "block",
                f"Media {m.ref} is not linked to the patient it shows, so no release can be "
                "checked.",
                "In the media library, link the patient and their release, or mark that it "
                "shows no patient (staff, facility, stock).",
                m.ref,
            )
        for flag in m.provenance_flags:
            if flag in BLOCKING_PROVENANCE:
                out.add(
                    f"media:{m.ref}:{flag}",
                    "CA-BPC-651-ALTERED",
                    "MEDIA_FILTERED",
                    "block",
                    f"Media {m.ref} carries a filter or retouching ({flag}); altered images "
                    "may not be shown as results.",
                    "Use the unfiltered photo.",
                    m.ref,
                )
            else:
                out.add(
                    f"media:{m.ref}:{flag}",
                    "CA-BPC-651-ALTERED",
                    "MEDIA_EDITED",
                    "review",
                    f"Media {m.ref} was {flag.replace('_', ' ')} in editing software; only crop, "
                    "resize and whole-image exposure or white balance are allowed.",
                    "A reviewer writes what was changed and why it does not alter the result, "
                    "or use the original photo.",
                    m.ref,
                )


def _media_type(kind: str, post_type: str) -> str:
    if post_type == "testimonial":
        return "testimonial_video" if kind == "video" else "photo"
    return "video" if kind == "video" else "photo"


def _releases(post: PostIn, out: _Out) -> None:
    for p in post.patients:
        shown = [m for m in post.media if p.ref in m.patients]
        if p.authorization is None:
            out.add(
                f"patient:{p.ref}:no_release",
                "SCOPE-NOT-TPO",
                "NO_RELEASE",
                "block",
                f"Patient {p.ref} has no signed release linked to this media.",
                "Link the patient's signed release in the media library, or ask them to sign one.",
                p.ref,
            )
            continue
        try:
            auth = parse_authorization(p.authorization)
        except MalformedInput as exc:
            out.add(
                f"patient:{p.ref}:unreadable",
                "HIPAA-AUTH-SCOPE-MATCH",
                "RELEASE_UNREADABLE",
                "block",
                f"The release for patient {p.ref} cannot be checked ({exc.field_path}: "
                f"{exc.message}).",
                "Open the release and complete it, or have a new one signed.",
                p.ref,
            )
            continue
        _minor(post, p, out)
        _compensation(post, p, out)
        kinds = sorted({_media_type(m.kind, post.post_type) for m in shown}) or ["photo"]
        regions = sorted({r for m in shown for r in m.body_regions})
        face = any(m.faces_visible for m in shown)
        for t in post.targets:
            if t.platform not in CONSENT_PLATFORMS:
                out.add(
                    f"patient:{p.ref}:platform:{t.platform}",
                    "HIPAA-AUTH-SCOPE-MATCH",
                    "PLATFORM_UNCHECKABLE",
                    "block",
                    f"{t.label} has no fixed platform, so the patient's release cannot be "
                    "checked against it.",
                    "Post patient content to a platform account the release names.",
                    p.ref,
                )
                continue
            for kind in kinds:
                use = parse_use(
                    {
                        "platform": t.platform,
                        "media_type": kind,
                        "shows_face": face,
                        "name_shown": post.name_shown,
                        "body_regions": regions,
                        "purpose": post.purpose,
                        "paid_promotion": post.paid_promotion,
                        "at": post.at.isoformat(),
                    }
                )
                result = check(auth, use, practice_tz=post.practice_tz)
                for r in result.reasons:
                    if r.code == "PATIENT_COMPENSATED":
                        continue  # _compensation turns this into a caption check
                    scoped = r.code.endswith("_NOT_COVERED") or r.code.endswith("_AUTHORIZED")
                    out.add(
                        f"patient:{p.ref}:{r.code}:{t.platform if scoped else ''}",
                        r.rule,
                        r.code,
                        "block" if r.blocking else "info",
                        f"Patient {p.ref}: {r.message}",
                        _consent_action(r.code),
                        p.ref,
                    )


def _consent_action(code: str) -> str:
    if code in {"EXPIRED", "REVOKED", "NOT_SIGNED", "NO_EXPIRATION"} or code.startswith("MISSING"):
        return "Ask the patient to sign a new release, or remove their media from the post."
    if code.endswith("_NOT_COVERED") or code.endswith("_NOT_AUTHORIZED"):
        return (
            "Change the post to fit the release (targets, media, name, paid promotion), or "
            "ask the patient for a release that covers it."
        )
    return "Open the release and follow its advice."


def _minor(post: PostIn, p: Patient, out: _Out) -> None:
    assert p.authorization is not None
    try:
        birth = dt.date.fromisoformat(str(p.authorization["patient"]["birth_date"]))
    except (KeyError, TypeError, ValueError):
        return  # parse_authorization already accepted it; nothing more to read
    if age_on(birth, post.at.date()) >= ADULT_AGE:
        return
    out.minor = True
    if not post.policy.minors_allowed:
        out.add(
            f"patient:{p.ref}:minor_policy",
            "HIPAA-PR-MINOR-POLICY",
            "MINOR_NOT_ALLOWED",
            "block",
            f"Patient {p.ref} is a minor, and the practice's policy does not allow posts "
            "featuring minors.",
            "Remove the minor's media, or ask the owner to change the practice's post policy.",
            p.ref,
        )
    signer = p.authorization.get("signer") or {}
    if signer.get("relationship", "self") not in {"parent", "guardian"}:
        out.add(
            f"patient:{p.ref}:minor_signer",
            "HIPAA-PR-MINOR",
            "MINOR_RELEASE_SIGNER",
            "block",
            f"Patient {p.ref} is a minor; the release must be signed by a parent or guardian.",
            "Have a parent or guardian sign a release for this patient.",
            p.ref,
        )


def _compensation(post: PostIn, p: Patient, out: _Out) -> None:
    assert p.authorization is not None
    scope = p.authorization.get("scope") or {}
    what = str(scope.get("patient_compensation") or "").strip()
    if not what:
        return
    first = post.caption.strip().splitlines()[0] if post.caption.strip() else ""
    if not _DISCLOSURE.search(first):
        out.add(
            f"patient:{p.ref}:disclosure",
            "FTC-MC-DISCLOSE",
            "DISCLOSURE_NOT_FIRST",
            "block",
            f"The patient received something for this ({what}); the caption must say so in "
            "its first line.",
            'Start the caption with a disclosure, for example "Patient received a '
            'complimentary treatment."',
            p.ref,
        )


def _caption(post: PostIn, out: _Out) -> None:
    if post.text is None:
        out.add(
            "text:unavailable",
            "SCOPE-PHI-IMAGE",
            "TEXT_CHECK_UNAVAILABLE",
            "block",
            "The caption could not be checked for patient details and advertising rules.",
            "Try again in a moment; if it keeps failing, tell the practice's administrator.",
        )
    else:
        for f in post.text.findings:
            severity: Severity = f.severity
            # The engine's per-finding suggestion is advice; its whole-caption rewrite
            # (GateResult.suggested_caption) is the one-click fix.
            action = f.suggestion or (
                "Rewrite this part of the caption."
                if severity == "block"
                else "A reviewer writes why this is acceptable, or reword it."
            )
            out.add(
                f"text:{f.rule}:{f.category}:{f.text.strip().lower()}",
                f.rule,
                str(f.category),
                severity,
                f.message,
                action,
                f.text,
                start=f.start,
                end=f.end,
                suggestion=f.suggestion,
            )
    if post.post_type == "before_after" and not has_timeframe(post.caption):
        out.add(
            "text:ba_timeframe",
            "BA-TIME-SINCE",
            "BA_NO_TIMEFRAME",
            "block",
            "A before/after post must say how long after the procedure the after photo was "
            'taken ("6 weeks post-op").',
            "Insert the timeframe from the before/after pair.",
        )


def _graphic(post: PostIn, out: _Out) -> None:
    graphic = (
        post.graphic
        or any(m.graphic for m in post.media)
        or (
            post.text is not None
            and any(f.category is Category.GRAPHIC for f in post.text.findings)
        )
    )
    if not graphic:
        return
    for t in post.targets:
        if t.platform not in AGE_RESTRICTION_PLATFORMS:
            out.add(
                f"target:{t.ref}:graphic",
                "ASPS-GRAPHIC-CONTENT",
                "GRAPHIC_NO_AGE_RESTRICTION",
                "block",
                f"The post has graphic surgical content and {t.label} offers no age restriction.",
                "Remove this account from the post, or remove the graphic content.",
                t.ref,
            )
        elif not t.age_restriction_applied:
            out.add(
                f"target:{t.ref}:graphic",
                "ASPS-GRAPHIC-CONTENT",
                "GRAPHIC_AGE_RESTRICTION_OFF",
                "block",
                f"The post has graphic surgical content and {t.label} has no age "
                "restriction applied.",
                "Turn on the platform's age restriction for this account (then mark it in "
                "Connected accounts), or remove the account from the post.",
                t.ref,
            )


def _preview(post: PostIn, out: _Out, identifiable: bool) -> bool:
    if not post.patients:
        return False
    policy = post.policy.preview_required
    required = identifiable if policy is None else policy
    if post.preview_status == "declined":
        out.add(
            "preview:declined",
            "ASPS-PATIENT-PREVIEW",
            "PREVIEW_DECLINED",
            "block",
            "The patient declined this post in their preview.",
            "Change the post and ask the patient again, or do not post it.",
        )
        return required
    if not required or post.preview_status == "approved":
        return required
    if post.stage in ("approve", "publish"):
        out.add(
            "preview:missing",
            "ASPS-PATIENT-PREVIEW",
            "PREVIEW_NOT_APPROVED",
            "block",
            "The patient has not approved this exact post in their preview.",
            "Send the patient the preview link (or show the QR code) and wait for their answer.",
        )
    else:
        out.add(
            "preview:ahead",
            "ASPS-PATIENT-PREVIEW",
            "PREVIEW_REQUIRED",
            "info",
            "The patient will be asked to preview this exact post before it is approved.",
            "After submitting, send the patient the preview link.",
        )
    return required


def _risk(post: PostIn, findings: Sequence[GateFinding], sensitive: bool) -> Risk:
    """High for identifiable, graphic or minors' content; medium for any patient content;
    low when a written justification or a review finding is involved; none otherwise."""
    if sensitive or post.graphic or any(m.graphic for m in post.media):
        return "high"
    if post.patients or post.post_type in ("before_after", "testimonial"):
        return "medium"
    if any(f.severity == "review" for f in findings):
        return "low"
    return "none"
