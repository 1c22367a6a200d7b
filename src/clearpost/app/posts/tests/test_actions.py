"""The post workflow through `posts.actions`: submit through the gate, the patient's
preview, approvals bound to the exact content, rescheduling and the publishing hooks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clearpost.app.accounts.models import Role, User
from clearpost.app.audit.models import AuditEvent
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.authorizations.models import Authorization
from clearpost.app.posts import actions
from clearpost.app.posts.models import Post, PreviewStatus, State
from clearpost.app.posts.tests.conftest import World, make_item
from clearpost.app.practices.models import Practice

pytestmark = pytest.mark.django_db


def _identifiable(world: World) -> None:
    # A signed release is immutable through save(); the test sets up a different one.
    Authorization.objects.filter(pk=world.release.pk).update(identifiability="face_visible")
    world.photo.faces_left_visible = True
    world.photo.save(update_fields=["faces_left_visible"])


def _approve_all(world: World, post: Post) -> None:
    actions.approve(world.reviewer, post, mfa_ok=True)
    post.refresh_from_db()
    if post.state == State.IN_REVIEW:
        actions.approve(world.privacy, post, mfa_ok=True)
        post.refresh_from_db()


def test_create_runs_the_gate_and_audits(draft: Post) -> None:
    assert draft.state == State.DRAFT
    assert draft.gate_passed, draft.gate
    assert draft.risk == "medium"
    assert AuditEvent.objects.filter(action="post.create", object_id=draft.public_id).exists()
    assert AuditEvent.objects.filter(action="post.gate", object_id=draft.public_id).exists()


def test_de_identified_post_goes_to_review_and_is_scheduled_by_the_reviewer(
    world: World, draft: Post
) -> None:
    result = actions.submit(world.author, draft)
    draft.refresh_from_db()
    assert result.passed and draft.state == State.IN_REVIEW
    with pytest.raises(PermissionDenied):
        actions.approve(world.author, draft, mfa_ok=True)
    ap = actions.approve(world.reviewer, draft, mfa_ok=True)
    draft.refresh_from_db()
    assert draft.state == State.SCHEDULED
    assert ap.media_sha256 == [world.photo.derivative_sha256]
    assert ap.caption == draft.caption and ap.targets == [world.account.public_id]
    assert ap.window_start < draft.scheduled_at < ap.window_end  # type: ignore[operator]


def test_blocked_caption_keeps_the_draft_and_names_the_rule(world: World) -> None:
    post = actions.create_post(
        world.author, world.data(caption="Thanks Sarah, your tummy tuck looks amazing!")
    )
    result = actions.submit(world.author, post)
    post.refresh_from_db()
    assert not result.passed and post.state == State.DRAFT
    assert "HIPAA-DEID-SAFE-HARBOR-18" in {f.rule for f in result.blocking}
    assert result.suggested_caption and "Sarah" not in result.suggested_caption


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ("no_mfa", "SEC-AUTHN"),
        ("untrained", "ASPS-TRAINING"),
        ("no_role", "SEC-ACCESS-CONTROL"),
    ],
)
def test_approver_needs_two_step_training_and_role(
    world: World, draft: Post, make_user: Callable[..., User], change: str, rule: str
) -> None:
    actions.submit(world.author, draft)
    draft.refresh_from_db()
    approver = world.reviewer
    mfa_ok = True
    if change == "no_mfa":
        mfa_ok = False
    elif change == "untrained":
        approver = make_user(world.practice, Role.REVIEWER, trained=False)
        approver.mfa_confirmed_at = timezone.now()
        approver.save()
    else:
        approver = make_user(world.practice, Role.CLINICIAN)
        approver.mfa_confirmed_at = timezone.now()
        approver.save()
    with pytest.raises(PermissionDenied):
        actions.approve(approver, draft, mfa_ok=mfa_ok)
    denied = AuditEvent.objects.filter(action="permission.denied", actor=approver)
    assert list(denied.values_list("rule", flat=True)) == [rule]
    draft.refresh_from_db()
    assert draft.state == State.IN_REVIEW and not draft.approvals.exists()


def test_identifiable_post_needs_preview_reviewer_and_privacy_officer(
    world: World,
) -> None:
    _identifiable(world)
    post = actions.create_post(world.author, world.data())
    actions.submit(world.author, post)
    post.refresh_from_db()
    assert post.state == State.AWAITING_PATIENT and post.identifiable
    preview, token = actions.create_preview(world.author, post)
    assert preview.token_hash != token and token not in preview.token_hash
    actions.decide_preview(token, approve=True)
    with pytest.raises(actions.LinkInvalid):  # one decision per link
        actions.decide_preview(token, approve=False)
    post.refresh_from_db()
    assert post.state == State.IN_REVIEW
    actions.approve(world.reviewer, post, mfa_ok=True)
    post.refresh_from_db()
    assert post.state == State.IN_REVIEW  # the privacy officer is still needed
    with pytest.raises(ActionError):
        actions.approve(world.reviewer, post, mfa_ok=True)
    actions.approve(world.privacy, post, mfa_ok=True)
    post.refresh_from_db()
    assert post.state == State.SCHEDULED


def test_change_after_approval_voids_approvals_and_preview(world: World) -> None:
    _identifiable(world)
    post = actions.create_post(world.author, world.data())
    actions.submit(world.author, post)
    post.refresh_from_db()
    _, token = actions.create_preview(world.author, post)
    actions.decide_preview(token, approve=True)
    post.refresh_from_db()
    _approve_all(world, post)
    assert post.state == State.SCHEDULED
    actions.update_post(
        world.author,
        post,
        world.data(caption=post.caption + " Book now.", scheduled_at=post.scheduled_at),
    )
    post.refresh_from_db()
    assert post.state == State.DRAFT
    assert not actions.active_approvals(post)
    assert post.approvals.filter(voided_at__isnull=False).count() == 2
    assert post.previews.get().status == PreviewStatus.VOID


def test_preview_link_refused_when_expired_or_content_changed(world: World, draft: Post) -> None:
    actions.submit(world.author, draft)
    draft.refresh_from_db()
    preview, token = actions.create_preview(world.author, draft)
    preview.expires_at = timezone.now() - dt.timedelta(seconds=1)
    preview.save()
    with pytest.raises(actions.LinkInvalid):
        actions.preview_for_token(token)
    _, token2 = actions.create_preview(world.author, draft)
    draft.caption += " Results vary."
    draft.save()
    with pytest.raises(actions.LinkInvalid):
        actions.preview_for_token(token2)
    with pytest.raises(actions.LinkInvalid):
        actions.preview_for_token("pp_forged")


def test_patient_decline_returns_the_post_to_draft_with_the_reason(
    world: World, draft: Post
) -> None:
    actions.submit(world.author, draft)
    draft.refresh_from_db()
    _, token = actions.create_preview(world.author, draft)
    actions.decide_preview(token, approve=False, reason="Please not on Instagram")
    draft.refresh_from_db()
    assert draft.state == State.DRAFT and "not on Instagram" in draft.rejection_reason
    result = actions.check_post(world.author, draft)
    assert "PREVIEW_DECLINED" in {f.code for f in result.blocking}


def test_reschedule_within_window_keeps_approval_outside_voids_it(
    world: World, draft: Post
) -> None:
    actions.submit(world.author, draft)
    draft.refresh_from_db()
    actions.approve(world.reviewer, draft, mfa_ok=True)
    draft.refresh_from_db()
    assert draft.scheduled_at is not None
    near = draft.scheduled_at + dt.timedelta(hours=2)
    post, result = actions.reschedule(world.author, draft, near)
    assert result.passed and post.state == State.SCHEDULED and actions.active_approvals(post)
    far = draft.scheduled_at + dt.timedelta(days=4)
    post, result = actions.reschedule(world.author, post, far)
    assert post.state == State.IN_REVIEW and not actions.active_approvals(post)


def test_approval_expires_when_its_window_passes(world: World, draft: Post) -> None:
    actions.submit(world.author, draft)
    draft.refresh_from_db()
    ap = actions.approve(world.reviewer, draft, mfa_ok=True)
    assert actions.active_approvals(draft, ap.window_end - dt.timedelta(minutes=1))
    assert not actions.active_approvals(draft, ap.window_end + dt.timedelta(minutes=1))


def test_publish_check_reruns_the_gate_now_and_transitions(world: World, draft: Post) -> None:
    actions.submit(world.author, draft)
    draft.refresh_from_db()
    actions.approve(world.reviewer, draft, mfa_ok=True)
    draft.refresh_from_db()
    check = actions.publish_check(draft)
    assert check.ok, check.problems
    assert draft.gate_runs.filter(stage="publish").count() == 1
    actions.mark_published(draft)
    draft.refresh_from_db()
    assert draft.state == State.PUBLISHED and draft.published_at is not None
    assert not actions.publish_check(draft).ok  # no longer scheduled
    actions.mark_taken_down(draft, "patient revoked")
    draft.refresh_from_db()
    assert draft.state == State.TAKEN_DOWN


def test_publish_check_fails_after_revocation(world: World, draft: Post) -> None:
    actions.submit(world.author, draft)
    draft.refresh_from_db()
    actions.approve(world.reviewer, draft, mfa_ok=True)
    Authorization.objects.filter(pk=world.release.pk).update(
        revoked_at=timezone.now() - dt.timedelta(minutes=1)
    )
    check = actions.publish_check(draft)
    assert not check.ok
    assert any(p.startswith("HIPAA-AUTH-DEFECT-REVOKED") for p in check.problems)
    actions.mark_failed(draft, "; ".join(check.problems))
    draft.refresh_from_db()
    assert draft.state == State.FAILED


def test_review_finding_needs_a_reviewer_justification(world: World) -> None:
    world.photo.provenance_flags = ["edited"]
    world.photo.save(update_fields=["provenance_flags"])
    post = actions.create_post(world.author, world.data())
    assert not post.gate_passed
    key = next(f["key"] for f in post.gate["findings"] if f["severity"] == "review")
    with pytest.raises(PermissionDenied):
        actions.justify(world.author, post, key, "I edited only the exposure of the photo.")
    actions.justify(world.reviewer, post, key, "Checked: only exposure was adjusted.")
    post.refresh_from_db()
    assert post.gate_passed


@pytest.mark.parametrize(
    "what", ["media not cleared", "other practice media", "other practice account"]
)
def test_create_refuses_media_and_accounts_it_may_not_use(
    world: World, make_practice: Callable[..., Practice], what: str
) -> None:
    other = make_practice()
    data = world.data()
    if what == "media not cleared":
        data.media = [
            make_item(
                world.practice, None, None, status="failed_verification", content=b"x"
            ).public_id
        ]
    elif what == "other practice media":
        data.media = [make_item(other, None, None, content=b"y").public_id]
    else:
        from clearpost.app.publishing.models import ConnectedAccount

        data.targets = [
            ConnectedAccount.objects.create(
                practice=other,
                platform="instagram",
                kind="business",
                external_id="9",
                display_name="Other",
            ).public_id
        ]
    with pytest.raises(ActionError):
        actions.create_post(world.author, data)
    assert not Post.objects.exists()


def test_reschedule_past_the_release_expiry_sends_the_post_back_to_draft(
    world: World, draft: Post
) -> None:
    actions.submit(world.author, draft)
    draft.refresh_from_db()
    assert draft.state == State.IN_REVIEW and world.release.expires_on is not None
    after_expiry = timezone.now() + dt.timedelta(days=400)
    post, result = actions.reschedule(world.author, draft, after_expiry)
    assert not result.passed and "EXPIRED" in {f.code for f in result.blocking}
    assert post.state == State.DRAFT


@pytest.mark.parametrize(
    ("change", "state", "approvals_left"),
    [
        ({"paid_promotion": True}, State.DRAFT, 0),
        ({"name_shown": "first_name"}, State.DRAFT, 0),
        ({"shift_hours": 2}, State.SCHEDULED, 1),
        ({"shift_hours": 72}, State.IN_REVIEW, 0),
    ],
)
def test_editing_terms_voids_the_approval_and_a_time_edit_acts_like_a_move(
    world: World, draft: Post, change: dict[str, object], state: State, approvals_left: int
) -> None:
    actions.submit(world.author, draft)
    draft.refresh_from_db()
    actions.approve(world.reviewer, draft, mfa_ok=True)
    draft.refresh_from_db()
    assert draft.scheduled_at is not None
    values: dict[str, object] = {"scheduled_at": draft.scheduled_at}
    shift = change.pop("shift_hours", None)
    if shift is not None:
        values["scheduled_at"] = draft.scheduled_at + dt.timedelta(hours=int(str(shift)))
    values.update(change)
    post = actions.update_post(world.author, draft, world.data(**values))
    post.refresh_from_db()
    assert post.state == state
    assert len(actions.active_approvals(post)) == approvals_left
