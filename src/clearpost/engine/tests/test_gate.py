"""The gate, one row per rule: each row changes a passing post in one place and names
the rule ID (and code) the user sees."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from clearpost.engine.consent.tests.cases import base_case
from clearpost.engine.gate import (
    Author,
    GateResult,
    Media,
    Patient,
    Policy,
    PostIn,
    Target,
    run_gate,
)
from clearpost.engine.text import default_analyzer
from clearpost.engine.text.model import Category, Finding
from clearpost.engine.text.model import Result as TextResult

AT = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
CLEAN = TextResult(decision="pass")


def release(**scope: Any) -> dict[str, Any]:
    auth: dict[str, Any] = base_case()["authorization"]
    auth["scope"].update(scope)
    return auth


def base(**changes: Any) -> PostIn:
    post = PostIn(
        post_type="before_after",
        caption="Tummy tuck results, 6 weeks post-op. Results vary.",
        at=AT,
        author=Author("st_author", approved_poster=True, trained=True),
        media=(Media("md_1", "photo", "cleared", body_regions=("abdomen",), patients=("pt_1",)),),
        patients=(Patient("pt_1", release()),),
        targets=(Target("ca_ig", "instagram", "Instagram @riverside", True, True),),
        text=CLEAN,
        practice_tz="America/New_York",
    )
    return dataclasses.replace(post, **changes)


def media(**kw: Any) -> tuple[Media, ...]:
    fields: dict[str, Any] = {
        "ref": "md_1",
        "kind": "photo",
        "status": "cleared",
        "body_regions": ("abdomen",),
        "patients": ("pt_1",),
    }
    fields.update(kw)
    return (Media(**fields),)


def auth_with(path: str, value: Any) -> tuple[Patient, ...]:
    auth = release()
    node = auth
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    return (Patient("pt_1", auth),)


def text(category: Category, rule: str, severity: str, phrase: str = "amazing") -> TextResult:
    finding = Finding(
        rule=rule,
        category=category,
        severity=severity,  # type: ignore[arg-type]
        start=0,
        end=len(phrase),
        text=phrase,
        message=f"{phrase} is a problem",
        suggestion="great",
    )
    return TextResult(decision=severity, findings=[finding])  # type: ignore[arg-type]


def target(**kw: Any) -> tuple[Target, ...]:
    fields: dict[str, Any] = {
        "ref": "ca_x",
        "platform": "instagram",
        "label": "Instagram",
        "professional": True,
        "usable": True,
    }
    fields.update(kw)
    return (Target(**fields),)


def test_base_post_passes_with_no_blocking_finding() -> None:
    result = run_gate(base())
    assert result.passed, [f.to_dict() for f in result.findings]
    assert result.risk == "medium"
    assert not result.identifiable


# (case id, the change, the rule ID the user sees, the finding code)
ROWS: list[tuple[str, Callable[[], PostIn], str, str]] = [
    ("no target", lambda: base(targets=()), "ASPS-PROFESSIONAL-ACCOUNT", "NO_TARGET"),
    (
        "personal account",
        lambda: base(targets=target(professional=False)),
        "ASPS-PROFESSIONAL-ACCOUNT",
        "PERSONAL_ACCOUNT",
    ),
    (
        "disconnected account",
        lambda: base(targets=target(usable=False)),
        "ASPS-PROFESSIONAL-ACCOUNT",
        "ACCOUNT_NOT_CONNECTED",
    ),
    ("live-streaming", lambda: base(live=True), "ASPS-NO-LIVESTREAM", "LIVE_NOT_OFFERED"),
    (
        "author not an approved poster",
        lambda: base(author=Author("st_a", approved_poster=False, trained=True)),
        "ASPS-TRAINING",
        "AUTHOR_NOT_APPROVED",
    ),
    (
        "author training due",
        lambda: base(author=Author("st_a", approved_poster=True, trained=False)),
        "ASPS-TRAINING",
        "AUTHOR_TRAINING_DUE",
    ),
    (
        "media failed verification",
        lambda: base(media=media(status="failed_verification")),
        "HIPAA-DEID-SAFE-HARBOR-18",
        "MEDIA_FAILED_VERIFICATION",
    ),
    (
        "media still processing",
        lambda: base(media=media(status="processing")),
        "HIPAA-DEID-SAFE-HARBOR-18",
        "MEDIA_NOT_CLEARED",
    ),
    (
        "media not linked to its patient",
        lambda: base(media=media(patients=()), patients=()),
        "SCOPE-NOT-TPO",
        "MEDIA_NOT_LINKED",
    ),
    (
        "filtered photo",
        lambda: base(media=media(provenance_flags=("filtered",))),
        "CA-BPC-651-ALTERED",
        "MEDIA_FILTERED",
    ),
    (
        "edited photo without justification",
        lambda: base(media=media(provenance_flags=("edited",))),
        "CA-BPC-651-ALTERED",
        "MEDIA_EDITED",
    ),
    (
        "no release linked",
        lambda: base(patients=(Patient("pt_1", None),)),
        "SCOPE-NOT-TPO",
        "NO_RELEASE",
    ),
    (
        "unreadable release",
        lambda: base(patients=auth_with("scope.platforms", "instagram")),
        "HIPAA-AUTH-SCOPE-MATCH",
        "RELEASE_UNREADABLE",
    ),
    (
        "platform not in release",
        lambda: base(targets=target(platform="tiktok")),
        "HIPAA-AUTH-SCOPE-MATCH",
        "PLATFORM_NOT_COVERED",
    ),
    (
        "media type not in release",
        lambda: base(patients=auth_with("scope.media_types", ["video"])),
        "HIPAA-AUTH-SCOPE-MATCH",
        "MEDIA_TYPE_NOT_COVERED",
    ),
    (
        "face shown beyond release",
        lambda: base(media=media(faces_visible=True)),
        "HIPAA-DEID-FULL-FACE",
        "FACE_NOT_AUTHORIZED",
    ),
    (
        "full name beyond release",
        lambda: base(name_shown="full_name"),
        "HIPAA-AUTH-SCOPE-MATCH",
        "NAME_NOT_AUTHORIZED",
    ),
    (
        "body region beyond release",
        lambda: base(media=media(body_regions=("breast",))),
        "HIPAA-AUTH-SCOPE-MATCH",
        "BODY_REGION_NOT_COVERED",
    ),
    (
        "purpose beyond release",
        lambda: base(purpose="professional_education"),
        "HIPAA-AUTH-SCOPE-MATCH",
        "PURPOSE_NOT_COVERED",
    ),
    (
        "paid promotion beyond release",
        lambda: base(paid_promotion=True),
        "HIPAA-AUTH-SCOPE-MATCH",
        "PAID_PROMOTION_NOT_COVERED",
    ),
    (
        "release revoked before the scheduled time",
        lambda: base(patients=auth_with("revoked_at", "2026-03-15T09:00:00-04:00")),
        "HIPAA-AUTH-DEFECT-REVOKED",
        "REVOKED",
    ),
    (
        "release expired at the scheduled time",
        lambda: base(at=dt.datetime(2027, 3, 3, tzinfo=dt.UTC)),
        "HIPAA-AUTH-DEFECT-EXPIRED",
        "EXPIRED",
    ),
    (
        "ready-to-post kit cannot be checked against a release",
        lambda: base(targets=target(platform="kit", label="Kit")),
        "HIPAA-AUTH-SCOPE-MATCH",
        "PLATFORM_UNCHECKABLE",
    ),
    (
        "minor while the policy forbids it",
        lambda: base(patients=auth_with("patient.birth_date", "2012-01-01")),
        "HIPAA-PR-MINOR-POLICY",
        "MINOR_NOT_ALLOWED",
    ),
    (
        "minor allowed but release signed by the minor",
        lambda: base(
            patients=auth_with("patient.birth_date", "2012-01-01"),
            policy=Policy(minors_allowed=True),
        ),
        "HIPAA-PR-MINOR",
        "MINOR_RELEASE_SIGNER",
    ),
    (
        "compensated patient without first-line disclosure",
        lambda: base(patients=auth_with("scope.patient_compensation", "50% discount")),
        "FTC-MC-DISCLOSE",
        "DISCLOSURE_NOT_FIRST",
    ),
    (
        "caption block finding",
        lambda: base(text=text(Category.PHI_NAME, "HIPAA-DEID-SAFE-HARBOR-18", "block", "Sarah")),
        "HIPAA-DEID-SAFE-HARBOR-18",
        "PHI_NAME",
    ),
    (
        "caption review finding without justification",
        lambda: base(text=text(Category.UNPROFESSIONAL, "ASPS-PROFESSIONAL-TONE", "review")),
        "ASPS-PROFESSIONAL-TONE",
        "UNPROFESSIONAL",
    ),
    (
        "text check did not run",
        lambda: base(text=None),
        "SCOPE-PHI-IMAGE",
        "TEXT_CHECK_UNAVAILABLE",
    ),
    (
        "before/after without timeframe",
        lambda: base(caption="Tummy tuck results. Results vary."),
        "BA-TIME-SINCE",
        "BA_NO_TIMEFRAME",
    ),
    (
        "graphic content to a platform without age restriction",
        lambda: base(graphic=True, targets=target(platform="website", label="Website")),
        "ASPS-GRAPHIC-CONTENT",
        "GRAPHIC_NO_AGE_RESTRICTION",
    ),
    (
        "graphic content where the age restriction is off",
        lambda: base(graphic=True),
        "ASPS-GRAPHIC-CONTENT",
        "GRAPHIC_AGE_RESTRICTION_OFF",
    ),
    (
        "identifiable post at approval without the patient's preview",
        lambda: base(
            stage="approve",
            media=media(faces_visible=True),
            patients=auth_with("scope.identifiability", "face_visible"),
        ),
        "ASPS-PATIENT-PREVIEW",
        "PREVIEW_NOT_APPROVED",
    ),
    (
        "patient declined the preview",
        lambda: base(preview_status="declined"),
        "ASPS-PATIENT-PREVIEW",
        "PREVIEW_DECLINED",
    ),
]


@pytest.mark.parametrize(
    ("change", "rule_id", "code"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_each_rule_blocks_with_its_rule_id(
    change: Callable[[], PostIn], rule_id: str, code: str
) -> None:
    result = run_gate(change())
    hits = [f for f in result.findings if f.code == code]
    assert hits, [f.to_dict() for f in result.findings]
    assert all(f.rule == rule_id for f in hits)
    assert any(f.blocking for f in hits)
    assert not result.passed
    assert all(f.message and f.action for f in result.findings)


def _justify(result: GateResult) -> dict[str, str]:
    return {f.key: "Checked by the reviewer" for f in result.findings if f.needs_justification}


@pytest.mark.parametrize(
    "post",
    [
        base(media=media(provenance_flags=("edited",))),
        base(text=text(Category.UNPROFESSIONAL, "ASPS-PROFESSIONAL-TONE", "review")),
    ],
    ids=["edited photo", "caption review"],
)
def test_review_findings_pass_once_justified(post: PostIn) -> None:
    first = run_gate(post)
    assert not first.passed
    second = run_gate(dataclasses.replace(post, justifications=_justify(first)))
    assert second.passed
    assert [f.justification for f in second.findings if f.needs_justification] == [
        "Checked by the reviewer"
    ]


@pytest.mark.parametrize(
    "post",
    [
        base(media=media(provenance_flags=("filtered",))),
        base(text=text(Category.PHI_NAME, "HIPAA-DEID-SAFE-HARBOR-18", "block", "Sarah")),
    ],
    ids=["filtered photo", "caption block"],
)
def test_block_findings_cannot_be_justified(post: PostIn) -> None:
    keys = {f.key: "Please let it through" for f in run_gate(post).findings}
    assert not run_gate(dataclasses.replace(post, justifications=keys)).passed


def test_graphic_content_passes_where_age_restriction_is_applied() -> None:
    assert run_gate(base(graphic=True, targets=target(age_restriction_applied=True))).passed


def test_minor_passes_with_policy_and_parent_signed_release() -> None:
    auth = release()
    auth["patient"]["birth_date"] = "2012-01-01"
    auth["signer"].update(relationship="parent", authority_description="Mother")
    auth["minor_assent"] = True
    result = run_gate(base(patients=(Patient("pt_1", auth),), policy=Policy(minors_allowed=True)))
    assert result.passed, [f.to_dict() for f in result.blocking]
    assert result.risk == "high"


def test_preview_is_only_announced_before_submission_and_passes_once_approved() -> None:
    ident = {
        "media": media(faces_visible=True),
        "patients": auth_with("scope.identifiability", "face_visible"),
    }
    submit = run_gate(base(stage="submit", **ident))
    assert submit.passed and submit.preview_required and submit.identifiable
    assert [f.code for f in submit.findings if f.rule == "ASPS-PATIENT-PREVIEW"] == [
        "PREVIEW_REQUIRED"
    ]
    assert run_gate(base(stage="publish", preview_status="approved", **ident)).passed


def test_practice_policy_can_require_a_preview_for_de_identified_posts() -> None:
    post = base(stage="approve", policy=Policy(preview_required=True))
    assert "PREVIEW_NOT_APPROVED" in {f.code for f in run_gate(post).findings}
    assert run_gate(base(stage="approve")).passed


def test_disclosure_in_first_line_satisfies_compensation() -> None:
    post = base(
        caption="Patient received a complimentary treatment.\nTummy tuck, 6 weeks post-op.",
        patients=auth_with("scope.patient_compensation", "free treatment"),
    )
    assert run_gate(post).passed


def test_no_patient_post_has_no_risk() -> None:
    post = base(
        post_type="educational_tip",
        caption="Three questions to ask at your consultation.",
        media=media(patients=(), shows_no_patient=True),
        patients=(),
    )
    result = run_gate(post)
    assert result.passed and result.risk == "none" and not result.preview_required


def test_real_text_engine_blocks_the_patient_name_and_offers_a_rewrite() -> None:
    caption = "Thanks Sarah, your tummy tuck looks amazing!"
    post = base(post_type="educational_tip", caption=caption)
    post = dataclasses.replace(post, text=default_analyzer().analyze(caption, "caption"))
    result = run_gate(post)
    assert not result.passed
    names = [f for f in result.findings if f.code == "PHI_NAME"]
    assert names and names[0].start == caption.index("Sarah")
    assert result.suggested_caption and "Sarah" not in result.suggested_caption
