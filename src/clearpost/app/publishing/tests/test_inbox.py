"""The comments inbox against the fake Instagram: PHI hidden at once, questions get a
compliant suggested reply, replies checked before sending, Meta webhooks signed."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from clearpost.app.accounts.models import User
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.posts.models import Post
from clearpost.app.posts.tests.conftest import World
from clearpost.app.publishing import inbox, tasks
from clearpost.app.publishing.models import (
    CommentState,
    ConnectedAccount,
    InboxComment,
    Publication,
)
from clearpost.providers.instagram.fake import InstagramFake

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(
    ig_fake: InstagramFake, ig_account: ConnectedAccount, make_due_post: Callable[..., Post]
) -> Publication:
    post = make_due_post()
    tasks.tick()
    return Publication.objects.get(post=post)


def test_a_comment_naming_a_patient_is_hidden_automatically(
    ig_fake: InstagramFake, live: Publication
) -> None:
    cid = ig_fake.add_comment(
        live.platform_post_id,
        "That's Maria Gonzalez, she had her tummy tuck here last month!",
        "neighbour",
    )
    assert inbox.collect(live) == 1
    row = InboxComment.objects.get(external_id=cid)
    assert row.state == CommentState.HIDDEN and ig_fake.comments[cid]["hidden"] is True
    assert "PHI_NAME" in row.categories
    assert "Maria" not in row.text_enc and row.text().startswith("That's Maria")
    assert inbox.collect(live) == 0  # polled again: nothing new


def test_a_medical_question_gets_a_redirecting_suggestion_and_a_checked_reply(
    world: World, ig_fake: InstagramFake, live: Publication
) -> None:
    cid = ig_fake.add_comment(
        live.platform_post_id,
        "How long is the recovery after a tummy tuck? Is swelling normal at week 2?",
        "asker",
    )
    inbox.collect(live)
    row = InboxComment.objects.get(external_id=cid)
    assert row.state == CommentState.NEW and "INBOUND_MEDICAL_QUESTION" in row.categories
    assert "call our office" in row.suggested_reply
    with pytest.raises(ActionError):
        inbox.send_reply(
            world.reviewer,
            row,
            "Yes Maria, your swelling after your surgery with us on 3 May is normal.",
        )
    assert not any(c["parent"] == cid for c in ig_fake.comments.values())
    inbox.send_reply(world.reviewer, row, row.suggested_reply)
    row.refresh_from_db()
    assert row.state == CommentState.REPLIED
    assert any(c["parent"] == cid for c in ig_fake.comments.values())
    assert inbox.collect(live) == 0  # our own reply is not a new comment


def test_polling_runs_from_the_heartbeat(ig_fake: InstagramFake, live: Publication) -> None:
    ig_fake.add_comment(live.platform_post_id, "Lovely clinic!", "fan")
    Publication.objects.filter(pk=live.pk).update(comments_polled_at=None)
    assert tasks.tick()["comments"] == 1
    assert tasks.tick()["comments"] == 0  # polled less than 5 minutes ago


def test_inbox_page_reads_are_audited(
    world: World, login: Callable[[User], Client], ig_fake: InstagramFake, live: Publication
) -> None:
    from clearpost.app.audit.models import AuditEvent

    ig_fake.add_comment(live.platform_post_id, "Is Dr Rivera taking new patients?", "q")
    inbox.collect(live)
    client = login(world.reviewer)
    page = client.get("/publishing/inbox/")
    assert page.status_code == 200 and b"Dr Rivera" in page.content
    assert AuditEvent.objects.filter(action="inbox.read").count() == 1
    row = InboxComment.objects.get()
    ok = client.post(
        f"/publishing/inbox/{row.public_id}/reply/",
        {"text": "Please call our office.", "check_only": "1"},
        follow=True,
    )
    assert (
        b"ready to paste" in ok.content and InboxComment.objects.get().state != CommentState.REPLIED
    )
    bad = client.post(
        f"/publishing/inbox/{row.public_id}/reply/",
        {"text": "Yes Maria, your tummy tuck with us went well.", "check_only": "1"},
        follow=True,
    )
    assert b"HIPAA" in bad.content


def test_meta_webhook_needs_a_valid_signature(
    monkeypatch: pytest.MonkeyPatch, ig_fake: InstagramFake, live: Publication
) -> None:
    cid = ig_fake.add_comment(
        live.platform_post_id, "Jane Smith looks great after her surgery", "x"
    )
    body = json.dumps(
        {
            "object": "instagram",
            "entry": [
                {
                    "id": "1",
                    "time": int(timezone.now().timestamp()),
                    "changes": [
                        {
                            "field": "comments",
                            "value": {
                                "id": cid,
                                "text": "...",
                                "media": {"id": live.platform_post_id},
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()
    client = Client()
    bad = client.post(
        "/publishing/webhooks/meta/",
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256="sha256=00",
    )
    assert bad.status_code == 403 and not InboxComment.objects.exists()
    sig = "sha256=" + hmac.new(b"fake-app-secret", body, hashlib.sha256).hexdigest()
    ok = client.post(
        "/publishing/webhooks/meta/",
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sig,
    )
    assert ok.status_code == 200
    assert InboxComment.objects.get(external_id=cid).state == CommentState.HIDDEN


def test_google_reviews_join_the_inbox_and_phi_waits_for_a_person(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clearpost.providers.gbp.fake import GbpFake

    fake = GbpFake()
    fake.start()
    try:
        monkeypatch.setenv("CLEARPOST_GBP_API_BASE", fake.base_url)
        loc = fake.add_location("owner")
        token = fake.issue_token(
            "owner", {"https://www.googleapis.com/auth/business.manage"}, lifetime=3600
        ).token
        account = ConnectedAccount.objects.create(
            practice=world.practice,
            platform="gbp",
            kind="business",
            external_id=loc,
            display_name="Riverside reviews",
        )
        account.set_tokens(token)
        account.save()
        phi = fake.add_review(
            loc,
            "Dr Rivera did my tummy tuck on May 3 and I am still in pain, call me at 555-201-3344",
            stars=1,
            reviewer="Ann",
        )
        fake.add_review(loc, "The front desk was rude and I waited an hour.", stars=1)
        assert inbox.poll_due() == 2 and inbox.poll_due() == 0
        row = InboxComment.objects.get(external_id__endswith=phi)
        assert row.state == CommentState.NEEDS_PERSON and row.publication is None
        other = InboxComment.objects.exclude(pk=row.pk).get()
        assert (
            "INBOUND_NEGATIVE_REVIEW" in other.categories
            and "call our office" in other.suggested_reply.lower()
        )
        with pytest.raises(ActionError):
            inbox.send_reply(
                world.reviewer, other, "Sorry Ann, we remember your tummy tuck and will fix it."
            )
        inbox.send_reply(world.reviewer, other, other.suggested_reply)
        assert any("reviewReply" in r for r in fake.reviews.values())
    finally:
        fake.stop()


def test_facebook_recommendations_join_the_inbox(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clearpost.providers.facebook.fake import FacebookFake

    fake = FacebookFake()
    fake.start()
    try:
        monkeypatch.setenv("CLEARPOST_FACEBOOK_API_BASE", fake.base_url)
        page = fake.add_page("Riverside")
        account = ConnectedAccount.objects.create(
            practice=world.practice,
            platform="facebook",
            kind="page",
            external_id=page,
            display_name="Riverside",
        )
        account.set_tokens(
            fake.page_token(page, {"pages_read_user_engagement", "pages_manage_engagement"}).token
        )
        account.save()
        story = fake.add_recommendation(page, "Terrible aftercare and nobody returned my calls.")
        assert inbox.poll_due() == 1
        row = InboxComment.objects.get(external_id=story)
        assert row.account == account and "INBOUND_NEGATIVE_REVIEW" in row.categories
        inbox.send_reply(world.reviewer, row, row.suggested_reply)
        assert fake.stories[story]["replies"]
    finally:
        fake.stop()


def _question(ig_fake: InstagramFake, live: Publication) -> InboxComment:
    cid = ig_fake.add_comment(
        live.platform_post_id, "How long is the recovery after a tummy tuck?", "asker"
    )
    inbox.collect(live)
    return InboxComment.objects.get(external_id=cid)


def _replies_to(ig_fake: InstagramFake, cid: str) -> int:
    return sum(1 for c in ig_fake.comments.values() if c["parent"] == cid)


def test_with_the_setting_on_a_reply_waits_for_a_second_person(
    world: World, ig_fake: InstagramFake, live: Publication
) -> None:
    from clearpost.app.audit.models import AuditEvent

    with pytest.raises(ActionError):
        inbox.set_replies_need_approval(world.author, True)  # a content creator cannot
    inbox.set_replies_need_approval(world.privacy, True)
    assert inbox.replies_need_approval(world.practice)
    row = _question(ig_fake, live)
    with pytest.raises(ActionError):  # still checked first: nothing is held or sent
        inbox.send_reply(world.author, row, "Yes Maria, your tummy tuck with us went well.")
    row.refresh_from_db()
    assert row.state != CommentState.AWAITING_APPROVAL and not row.pending_reply_enc
    held = inbox.send_reply(world.reviewer, row, row.suggested_reply)
    assert (
        held.state == CommentState.AWAITING_APPROVAL and _replies_to(ig_fake, row.external_id) == 0
    )
    assert held.pending_reply() == row.suggested_reply.strip()
    assert row.suggested_reply.strip() not in held.pending_reply_enc  # sealed at rest
    with pytest.raises(ActionError, match="second person"):
        inbox.approve_reply(world.reviewer, held)  # never its own writer
    with pytest.raises(ActionError, match="reviewer or privacy officer"):
        inbox.approve_reply(world.author, held)  # a content creator cannot approve
    assert _replies_to(ig_fake, row.external_id) == 0
    done = inbox.approve_reply(world.privacy, held)
    assert done.state == CommentState.REPLIED and done.replied_by == world.privacy
    assert _replies_to(ig_fake, row.external_id) == 1 and not done.pending_reply_enc
    with pytest.raises(ActionError):
        inbox.approve_reply(world.privacy, done)  # sent once, not twice
    assert _replies_to(ig_fake, row.external_id) == 1
    actions = list(
        AuditEvent.objects.filter(action__startswith="inbox.reply")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["inbox.reply_proposed", "inbox.reply_approved"]
    assert AuditEvent.objects.filter(action="publishing.settings_changed").count() == 1
    assert AuditEvent.objects.filter(action="inbox.replied").count() == 1


def test_with_the_setting_off_the_person_pressing_send_sends(
    world: World, ig_fake: InstagramFake, live: Publication
) -> None:
    inbox.set_replies_need_approval(world.privacy, True)
    inbox.set_replies_need_approval(world.privacy, False)
    assert not inbox.replies_need_approval(world.practice)
    row = _question(ig_fake, live)
    done = inbox.send_reply(world.author, row, row.suggested_reply)
    assert done.state == CommentState.REPLIED and done.replied_by == world.author
    assert _replies_to(ig_fake, row.external_id) == 1
    with pytest.raises(ActionError):
        inbox.approve_reply(world.reviewer, done)


def test_inbox_pages_hold_and_approve_a_reply(
    world: World, login: Callable[[User], Client], ig_fake: InstagramFake, live: Publication
) -> None:
    officer = login(world.privacy)
    page = officer.get("/publishing/inbox/")
    assert b'data-testid="toggle-reply-approval"' in page.content
    officer.post("/publishing/inbox/settings/", {"replies_need_approval": "1"})
    assert inbox.replies_need_approval(world.practice)
    assert (
        login(world.author)
        .post("/publishing/inbox/settings/", {"replies_need_approval": "0"})
        .status_code
        == 403
    )
    row = _question(ig_fake, live)
    writer = login(world.reviewer)
    sent = writer.post(
        f"/publishing/inbox/{row.public_id}/reply/", {"text": row.suggested_reply}, follow=True
    )
    assert b"waits for a reviewer or privacy officer" in sent.content
    assert b'data-testid="pending-reply"' in sent.content
    assert b'data-testid="approve-reply"' not in sent.content  # not for its writer
    assert _replies_to(ig_fake, row.external_id) == 0
    page = officer.get("/publishing/inbox/")
    assert b'data-testid="approve-reply"' in page.content
    done = officer.post(f"/publishing/inbox/{row.public_id}/approve/", follow=True)
    assert b"approved and sent" in done.content
    assert _replies_to(ig_fake, row.external_id) == 1
    assert InboxComment.objects.get(pk=row.pk).state == CommentState.REPLIED
