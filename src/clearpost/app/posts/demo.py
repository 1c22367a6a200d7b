"""Demo posts for `make run`: one post in every state on the demo practice's calendar.

Idempotent (a practice that has posts gets none). Everything goes through the real
paths: generated photos are uploaded and de-identified by the media library (synchronously
here), a demo patient signs a release at the kiosk, posts are composed, checked and
submitted through `posts.actions`, and the patient's preview decision is taken through
its link. One step cannot be: the demo's reviewer has not set up two-step sign-in yet
(they do at first login), so approvals for the approved, scheduled, published, failed
and taken-down posts are recorded by `_demo_approval`, which writes the same Approval
row and marks its audit event `post.approve_demo_seed` so the trail says so.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from clearpost.app.accounts.models import User
from clearpost.app.audit.actions import record
from clearpost.app.authorizations import actions as auth_actions
from clearpost.app.authorizations.scope import ScopeInput
from clearpost.app.media import actions as media_actions
from clearpost.app.media import tasks as media_tasks
from clearpost.app.media.models import MediaItem
from clearpost.app.patients.actions import create_patient
from clearpost.app.patients.models import Identity
from clearpost.app.posts import actions, content
from clearpost.app.posts.models import Approval, ApprovalKind, Post, State
from clearpost.app.practices.models import Practice
from clearpost.app.publishing.models import ConnectedAccount


def _photo(actor: User, work: Path, name: str, colour: tuple[int, int, int]) -> MediaItem:
    path = work / f"{name}.jpg"
    img = Image.new("RGB", (1080, 1350), colour)
    ImageDraw.Draw(img).ellipse((240, 300, 840, 1050), fill=tuple(min(255, c + 40) for c in colour))
    img.save(path, "JPEG", quality=85)
    item = media_actions.ingest(actor, path, f"{name}.jpg")
    media_tasks.run_deid(item.public_id, item.generation)
    item.refresh_from_db()
    return item


def _release(owner: User, name: str, **scope: object) -> tuple[object, object]:
    patient = create_patient(owner, Identity(name, dt.date(1986, 5, 14), "", None))
    practice = owner.practice
    assert practice is not None
    version = auth_actions.ensure_default_template(practice).latest_version()
    assert version is not None
    values: dict[str, object] = {
        "platforms": ("instagram", "facebook", "website"),
        "media_types": ("photo",),
        "identifiability": "face_masked",
        "name_shown": "none",
        "body_regions": ("abdomen", "face"),
        "purposes": ("marketing", "education"),
        "paid_promotion": False,
        "patient_compensation": "",
        "third_party_remuneration": False,
        "expires_on": timezone.localdate() + dt.timedelta(days=365),
        "expiration_event": "",
    }
    values.update(scope)
    auth = auth_actions.prepare_authorization(owner, patient, version, ScopeInput(**values))  # type: ignore[arg-type]
    token = auth_actions.open_kiosk(owner, auth)
    signed = auth_actions.sign(
        token,
        auth_actions.SignatureInput(
            typed_name=name,
            relationship="self",
            authority_description="",
            minor_assent=None,
            signature_png=_signature(),
        ),
    )
    return patient, signed.authorization


def _signature() -> bytes:
    import io

    img = Image.new("RGBA", (400, 150), (255, 255, 255, 0))
    ImageDraw.Draw(img).line(
        [(20, 100), (90, 30), (160, 110), (240, 40), (320, 100)], fill="black", width=4
    )
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _demo_approval(post: Post, approver: User, then: State) -> None:
    """The approval the demo's reviewer would give after setting up two-step sign-in."""
    assert post.scheduled_at is not None
    with transaction.atomic():
        window = content.approval_window(post.scheduled_at)
        ap = Approval.objects.create(
            post=post,
            kind=ApprovalKind.REVIEW,
            approver=approver,
            media_sha256=content.media_hashes(post),
            caption=post.caption,
            targets=content.target_ids(post),
            window_start=window[0],
            window_end=window[1],
            content_sha256=content.approval_digest(post, window),
            note="Demo data",
        )
        post.state = then
        post.save(update_fields=["state", "updated_at"])
        record(
            "post.approve_demo_seed",
            actor_label="demo",
            practice=post.practice,
            obj=post,
            rule="ASPS-TRAINING",
            after={"media": ap.media_sha256, "caption": ap.caption, "targets": ap.targets},
            detail={"kind": ap.kind, "approval": ap.pk, "content_sha256": ap.content_sha256},
        )


def _account(practice: Practice, platform: str, kind: str, handle: str) -> ConnectedAccount:
    """The practice's connected account on the platform (the publishing demo's, when it
    made one), or a demo one without tokens."""
    found: ConnectedAccount | None = (
        ConnectedAccount.objects.filter(practice=practice, platform=platform)
        .exclude(kind="personal")
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    return ConnectedAccount.objects.create(
        practice=practice,
        platform=platform,
        kind=kind,
        external_id=f"demo-{platform}",
        display_name=practice.name,
        handle=handle,
    )


def seed_posts_demo(practice: Practice) -> list[str]:
    """Posts in every state for the demo practice (idempotent). Returns their IDs."""
    if Post.objects.filter(practice=practice).exists():
        return []
    owner = User.objects.get(username="owner")
    author = User.objects.get(username="clinician")
    reviewer = User.objects.get(username="reviewer")
    actions.ensure_caption_templates(practice)
    instagram = _account(practice, "instagram", "business", "@riverside.demo")
    facebook = _account(practice, "facebook", "page", "Riverside Aesthetics")
    targets = [instagram.public_id, facebook.public_id]
    work = Path(tempfile.mkdtemp(prefix="cp-demo-posts-"))
    made: list[Post] = []
    try:
        jane, jane_release = _release(owner, "Jane Demo")
        maria, maria_release = _release(owner, "Maria Demo", name_shown="first_name")
        tummy = _photo(author, work, "abdomen-after", (176, 140, 120))
        media_actions.link_patient(author, tummy, jane, jane_release)  # type: ignore[arg-type]
        media_actions.set_body_regions(author, tummy, ["abdomen"])
        second = _photo(author, work, "abdomen-6wk", (168, 132, 112))
        media_actions.link_patient(author, second, maria, maria_release)  # type: ignore[arg-type]
        media_actions.set_body_regions(author, second, ["abdomen"])
        room = _photo(author, work, "treatment-room", (120, 160, 190))
        media_actions.mark_no_patient(author, room, "facility")
        team = _photo(author, work, "team", (140, 180, 140))
        media_actions.mark_no_patient(author, team, "staff")
        now = timezone.now()

        zone = ZoneInfo(practice.time_zone)

        def at(days: float, hour: int = 10) -> dt.datetime:
            local = (now + dt.timedelta(days=days)).astimezone(zone)
            return local.replace(hour=hour, minute=0, second=0, microsecond=0)

        def post(
            kind: str, caption: str, media: list[MediaItem], when: dt.datetime, **kw: object
        ) -> Post:
            data = actions.PostInput(
                post_type=kind,
                caption=caption,
                media=[m.public_id for m in media],
                targets=targets,
                scheduled_at=when,
                **kw,  # type: ignore[arg-type]
            )
            p = actions.create_post(author, data)
            made.append(p)
            return p

        def submit(p: Post) -> None:
            result = actions.submit(author, p)
            if not result.passed:  # demo content must pass; say why if it stops passing
                raise RuntimeError(f"demo post {p.post_type} blocked: {result.rules()}")

        post("testimonial", "Thanks Sarah, your tummy tuck looks amazing!", [tummy], at(1))
        review = post(
            "before_after",
            "Tummy tuck results, 6 weeks post-op. Individual results vary.",
            [tummy],
            at(2),
        )
        submit(review)
        waiting = post(
            "testimonial",
            'In her own words: "I feel like myself again." Individual results vary.',
            [second],
            at(2, 15),
            name_shown="first_name",
        )
        submit(waiting)
        approved = post(
            "behind_the_scenes",
            "Our treatment rooms are cleaned and set up before every patient.",
            [room],
            at(3),
        )
        submit(approved)
        _demo_approval(approved, reviewer, State.APPROVED)
        scheduled = post(
            "faq",
            "You asked: how long is recovery after a tummy tuck? Most people return to desk "
            "work in two weeks. Ask us at your consultation.",
            [room],
            at(4),
        )
        submit(scheduled)
        _demo_approval(scheduled, reviewer, State.SCHEDULED)
        for days, kind, text, end in (
            (
                -2,
                "team_spotlight",
                "Meet our team: Dr. Rivera, who leads our body contouring clinic.",
                "published",
            ),
            (
                -1,
                "educational_tip",
                "Tip of the week: wear sunscreen every day after a facial treatment.",
                "failed",
            ),
            (
                -3,
                "team_spotlight",
                "Meet our front desk team, here to answer your questions.",
                "taken_down",
            ),
        ):
            past = post(kind, text, [team], at(days))
            submit(past)
            _demo_approval(past, reviewer, State.SCHEDULED)
            if end == "failed":
                actions.mark_failed(past, "Instagram refused the image: larger than 8 MiB (demo).")
            else:
                actions.mark_published(past)
                if end == "taken_down":
                    actions.mark_taken_down(past, "Taken down at the owner's request (demo).")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [p.public_id for p in made]
