"""Digests of exactly what a person saw, and the gate's input built from the rows.

An approval is bound to `approval_digest` (every media derivative's SHA-256, the
caption, the target accounts and the scheduling window); the patient's preview to
`preview_digest` (media and caption). Comparing digests is how any change voids them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils import timezone

from clearpost.app.accounts.models import Role
from clearpost.app.authorizations.coverage import contract_dict
from clearpost.app.authorizations.models import Authorization
from clearpost.app.posts.models import (
    Post,
    PostPolicy,
    PreviewStatus,
)
from clearpost.app.practices.models import Practice
from clearpost.app.practices.profile import text_profile_for
from clearpost.engine import gate
from clearpost.engine.text import Analyzer, PracticeProfile, default_analyzer
from clearpost.engine.text.model import Result as TextResult

# An approval covers its post's time give or take this much: moving a post within the
# window keeps the approvals, moving it further voids them, and they expire at its end.
APPROVAL_WINDOW = dt.timedelta(hours=24)
log = logging.getLogger(__name__)
POSTER_ROLES = frozenset({Role.OWNER, Role.CONTENT_CREATOR})


def sha256_json(value: Any) -> str:
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def media_hashes(post: Post) -> list[str]:
    return [pm.item.derivative_sha256 for pm in post.ordered_media()]


def target_ids(post: Post) -> list[str]:
    return sorted(a.public_id for a in post.target_accounts())


def approval_window(when: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return when - APPROVAL_WINDOW, when + APPROVAL_WINDOW


def preview_digest(post: Post) -> str:
    return sha256_json({"media": media_hashes(post), "caption": post.caption})


def post_terms(post: Post) -> dict[str, Any]:
    """What else the releases were checked against: changing any of it voids approvals."""
    return {
        "post_type": post.post_type,
        "name_shown": post.name_shown,
        "purpose": post.purpose,
        "paid_promotion": post.paid_promotion,
        "graphic": post.graphic,
    }


def approval_digest(post: Post, window: tuple[dt.datetime, dt.datetime]) -> str:
    return sha256_json(
        {
            "media": media_hashes(post),
            "caption": post.caption,
            "targets": target_ids(post),
            "window": [window[0].isoformat(), window[1].isoformat()],
            "terms": post_terms(post),
        }
    )


def text_profile(practice: Practice) -> PracticeProfile:
    """The practice's text-engine profile (its own name, staff, contacts are never a
    patient's), from the practice settings."""
    return text_profile_for(practice)


@lru_cache(maxsize=32)
def _analyzer(profile: PracticeProfile) -> Analyzer:
    return default_analyzer(profile)


def check_caption(practice: Practice, caption: str) -> TextResult | None:
    """The text engine's answer, or None when it cannot run (the gate then fails closed)."""
    try:
        return _analyzer(text_profile(practice)).analyze(caption, "caption")
    except Exception:  # any failure means "not checked", never "passed"
        log.exception("caption check failed; the gate blocks the post until it runs")
        return None


def policy_for(practice: Practice) -> PostPolicy:
    found = PostPolicy.objects.filter(practice=practice).first()
    return found if found is not None else PostPolicy(practice=practice)


def preview_status(post: Post) -> str:
    """The patient's decision on the current content ("none" when they saw other content)."""
    digest = preview_digest(post)
    latest = (
        post.previews.exclude(status=PreviewStatus.VOID)
        .filter(content_sha256=digest)
        .order_by("-created_at", "-pk")
        .first()
    )
    return latest.status if latest is not None else "none"


@dataclass(frozen=True)
class GateInput:
    post_in: gate.PostIn
    releases: list[Authorization]
    content_sha256: str


def _release_for(links: list[Any]) -> Authorization | None:
    signed = [ln.authorization for ln in links if ln.authorization is not None]
    signed.sort(key=lambda a: (a.signed_at is not None, a.signed_at or a.created_at), reverse=True)
    return signed[0] if signed else None


def build_gate_input(
    post: Post, stage: gate.Stage, at: dt.datetime | None = None, text: TextResult | None = None
) -> GateInput:
    """Everything the gate needs, read from the rows. Decrypts each linked release's
    birth date (contract_dict): callers record an audit event naming the releases."""
    practice = post.practice
    when = at or post.scheduled_at or timezone.now()
    media: list[gate.Media] = []
    links_by_patient: dict[str, list[Any]] = {}
    patients_by_ref: dict[str, Any] = {}
    for pm in post.ordered_media():
        item = pm.item
        links = list(item.links.select_related("patient", "authorization"))
        for ln in links:
            links_by_patient.setdefault(ln.patient.public_id, []).append(ln)
            patients_by_ref[ln.patient.public_id] = ln.patient
        media.append(
            gate.Media(
                ref=item.public_id,
                kind=item.kind,
                status=item.status,
                faces_visible=item.faces_left_visible,
                body_regions=tuple(str(r) for r in item.body_regions or ()),
                provenance_flags=tuple(str(f) for f in item.provenance_flags or ()),
                patients=tuple(sorted({ln.patient.public_id for ln in links})),
                shows_no_patient=item.shows_no_patient,
                reason=item.reason,
            )
        )
    patients: list[gate.Patient] = []
    releases: list[Authorization] = []
    for ref in sorted(links_by_patient):
        auth = _release_for(links_by_patient[ref])
        if auth is not None and auth.practice_id == practice.pk:
            releases.append(auth)
            patients.append(gate.Patient(ref, contract_dict(auth)))
        else:
            patients.append(gate.Patient(ref, None))
    targets = [
        gate.Target(
            ref=a.public_id,
            platform=a.consent_platform,
            label=f"{a.get_platform_display()} {a.handle or a.display_name}".strip(),
            professional=a.is_professional,
            usable=a.practice_id == practice.pk and a.is_usable(when),
            age_restriction_applied=a.age_restriction_applied,
        )
        for a in post.target_accounts()
    ]
    author = post.author
    policy = policy_for(practice)
    post_in = gate.PostIn(
        post_type=post.post_type,
        caption=post.caption,
        at=when,
        author=gate.Author(
            ref=author.public_id,
            approved_poster=author.has_role(*POSTER_ROLES),
            trained=author.current_training(timezone.localdate()) is not None,
        ),
        media=tuple(media),
        patients=tuple(patients),
        targets=tuple(targets),
        text=text if text is not None else check_caption(practice, post.caption),
        name_shown=post.name_shown,
        purpose=post.purpose,
        paid_promotion=post.paid_promotion,
        graphic=post.graphic,
        policy=gate.Policy(
            minors_allowed=policy.minors_allowed,
            preview_required=policy.preview_required(post.post_type),
        ),
        preview_status=preview_status(post),
        justifications={j.key: j.text for j in post.justifications.all()},
        practice_tz=practice.time_zone,
        stage=stage,
    )
    content = sha256_json(
        {
            "media": media_hashes(post),
            "caption": post.caption,
            "targets": target_ids(post),
            "at": when.isoformat(),
        }
    )
    return GateInput(post_in, releases, content)
