"""Proof that one practice cannot read, list, guess or change another practice's data.

For every web page and API endpoint that takes an object ID, practice A's user asking
for practice B's object gets exactly what a missing object gets (404), never 403 or
data, and B's objects are unchanged afterwards.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from clearpost.app.accounts.actions import issue_api_token
from clearpost.app.accounts.models import ApiToken, User
from clearpost.app.authorizations.models import Authorization, Status, TemplateVersion
from clearpost.app.media.models import MediaItem
from clearpost.app.media.tests.factories import media_item_for
from clearpost.app.posts.actions import PostInput, create_post
from clearpost.app.posts.models import Post

pytestmark = pytest.mark.django_db

MISSING = {
    "pt": "pt_AAAAAAAAAAAAAAAA",
    "au": "au_AAAAAAAAAAAAAAAA",
    "st": "st_AAAAAAAAAAAAAAAA",
    "tk": "tk_AAAAAAAAAAAAAAAA",
    "tpl": "999999",
    "ca": "ca_AAAAAAAAAAAAAAAA",
    "po": "po_AAAAAAAAAAAAAAAA",
    "md": "md_AAAAAAAAAAAAAAAA",
    "ic": "cm_AAAAAAAAAAAAAAAA",
}

USE = {
    "platform": "instagram",
    "media_type": "photo",
    "shows_face": False,
    "name_shown": "none",
    "body_regions": ["abdomen"],
    "purpose": "marketing",
}

# (client, method, path, body). Paths name the object by {pt} patient, {au} release,
# {st} staff member, {tk} API token, {tpl} template.
WEB = [
    ("web", "GET", "/patients/{pt}/", None),
    ("web", "GET", "/staff/{st}/", None),
    ("web", "POST", "/staff/{st}/", {"save_roles": "1", "roles": ["owner"]}),
    (
        "web",
        "POST",
        "/staff/{st}/",
        {
            "record_training": "1",
            "completed_on": "2026-01-01",
            "expires_on": "2027-01-01",
            "course": "HIPAA social media",
            "evidence": "Certificate 12345 on file",
        },
    ),
    ("web", "POST", "/staff/{st}/deactivate/", {}),
    ("web", "POST", "/settings/tokens/{tk}/revoke/", {}),
    ("web", "GET", "/authorizations/new/{pt}/", None),
    ("web", "POST", "/authorizations/new/{pt}/", {"platforms": ["instagram"]}),
    ("web", "GET", "/authorizations/{au}/", None),
    ("web", "POST", "/authorizations/{au}/kiosk/", {}),
    ("web", "GET", "/authorizations/{au}/copy.pdf", None),
    ("web", "POST", "/authorizations/{au}/email/", {"email": "a@example.org"}),
    ("web", "POST", "/authorizations/{au}/revoke/", {"note": "Patient's letter of 1 May."}),
    ("web", "POST", "/authorizations/{au}/check/", {"platform": "instagram"}),
    ("web", "GET", "/authorizations/templates/{tpl}/", None),
    ("web", "POST", "/authorizations/templates/{tpl}/", {"name": "Taken over", "text": "x"}),
    ("web", "POST", "/publishing/accounts/{ca}/disconnect/", {}),
    ("web", "POST", "/publishing/inbox/{ic}/reply/", {"text": ""}),
    ("web", "POST", "/publishing/inbox/{ic}/approve/", {}),
    ("web", "GET", "/posts/{po}/", None),
    ("web", "GET", "/posts/{po}/edit/", None),
    ("web", "POST", "/posts/{po}/submit/", {}),
    ("web", "POST", "/posts/{po}/reschedule/", {"scheduled_at": "2099-01-01T10:00"}),
    ("web", "POST", "/posts/{po}/reject/", {"reason": "Taken over"}),
    ("web", "POST", "/posts/{po}/preview-link/", {}),
    ("web", "POST", "/posts/{po}/preview-email/", {"email": "a@example.org"}),
    ("web", "GET", "/posts/{po}/evidence/", None),
    ("web", "GET", "/media/{md}/", None),
    ("web", "GET", "/media/{md}/progress/", None),
    ("web", "GET", "/media/{md}/original/", None),
    ("web", "GET", "/media/{md}/derivative/", None),
    ("web", "GET", "/media/{md}/regions/", None),
    ("web", "POST", "/media/{md}/regions/", {"regions": "[]"}),
    ("web", "POST", "/media/{md}/links/", {"patient": ""}),
    ("web", "POST", "/media/{md}/no-patient/", {"kind": "staff"}),
    ("web", "POST", "/media/{md}/body-regions/", {"body_regions": ["face"]}),
    ("web", "POST", "/media/{md}/faces/keep/", {"reason": "Taken over by another practice"}),
    ("web", "POST", "/media/{md}/faces/redact/", {}),
    ("web", "POST", "/media/{md}/rerun/", {}),
    ("web", "POST", "/media/{md}/delete/", {"reason": "x"}),
]
API: list[tuple[str, str, str, dict[str, object] | None]] = [
    ("api", "GET", "/api/patients/{pt}", None),
    ("api", "GET", "/api/patients/{pt}/authorizations", None),
    ("api", "GET", "/api/authorizations/{au}", None),
    ("api", "POST", "/api/authorizations/{au}/revoke", {"note": "Patient's letter of 1 May."}),
    ("api", "POST", "/api/authorizations/{au}/check", USE),
    ("api", "GET", "/api/templates/{tpl}", None),
    ("api", "POST", "/api/templates/{tpl}/versions", {"name": "Taken over", "text": "x"}),
    ("api", "PATCH", "/api/patients/{pt}", {"name": "Changed"}),
    ("api", "DELETE", "/api/patients/{pt}", None),
    ("api", "PATCH", "/api/authorizations/{au}", {"status": "revoked"}),
    ("api", "DELETE", "/api/authorizations/{au}", None),
    ("api", "PUT", "/api/templates/{tpl}", {"name": "x"}),
    ("api", "DELETE", "/api/templates/{tpl}", None),
    ("api", "GET", "/api/posts/{po}", None),
    ("api", "POST", "/api/posts/{po}/check", None),
    ("api", "POST", "/api/posts/{po}/submit", None),
    ("api", "POST", "/api/posts/{po}/reschedule", {"scheduled_at": "2099-01-01T10:00:00Z"}),
    ("api", "POST", "/api/posts/{po}/reject", {"reason": "Taken over"}),
    ("api", "GET", "/api/posts/{po}/evidence", None),
    ("api", "GET", "/api/media/{md}", None),
    ("api", "GET", "/api/media/{md}/report", None),
    ("api", "GET", "/api/media/{md}/derivative", None),
    ("api", "GET", "/api/media/{md}/links", None),
    ("api", "PUT", "/api/media/{md}/regions", {"regions": []}),
    ("api", "POST", "/api/media/{md}/links", {"patient": ""}),
    ("api", "POST", "/api/media/{md}/no-patient", {"kind": "staff"}),
    ("api", "DELETE", "/api/media/{md}", None),
]
# Objects named inside a request body rather than the path.
API_BODY = [
    ("patient", "{pt}"),
    ("template", "{tpl}"),
]


def _ids(t) -> dict[str, str]:
    return {
        "pt": t.patient.public_id,
        "au": t.release.public_id,
        "st": t.member.public_id,
        "tk": t.token.public_id,
        "tpl": str(t.template.pk),
        "ca": _connected_account(t).public_id,
        "po": _post_of(t).public_id,
        "md": media_item_for(t.admin).public_id,
        "ic": _inbox_comment(t).public_id,
    }


def _connected_account(t):
    from clearpost.app.publishing.models import ConnectedAccount

    account, _ = ConnectedAccount.objects.get_or_create(
        practice=t.practice,
        platform="facebook",
        external_id=f"page-{t.practice.pk}",
        defaults={"kind": "page", "display_name": "Page"},
    )
    return account


def _inbox_comment(t):
    """Each tenant's one review in the comments inbox, made on first use."""
    from clearpost.app.publishing.models import InboxComment

    account = _connected_account(t)
    row = InboxComment.objects.filter(account=account, external_id="review-1").first()
    if row is None:
        row = InboxComment(practice=t.practice, account=account, external_id="review-1")
        row.seal("A tenant's own review.", "Reviewer")
        row.save()
    return row


def _post_of(t) -> Post:
    """Each tenant's draft post, made on first use (the author is the tenant's admin)."""
    if getattr(t, "post", None) is None:
        t.post = create_post(t.admin, PostInput(post_type="faq", caption="A tenant's own post."))
    post: Post = t.post
    return post


def _send(client: Client, kind: str, method: str, path: str, body: object):
    call = getattr(client, method.lower())
    if body is None:
        return call(path)
    if kind == "web":
        return call(path, body)
    return call(path, json.dumps(body), content_type="application/json")


def _snapshot(t) -> tuple[object, ...]:
    release = Authorization.objects.get(pk=t.release.pk)
    member = User.objects.get(pk=t.member.pk)
    return (
        release.status,
        release.revoked_at,
        member.is_active,
        member.role_set(),
        member.training_records.count(),
        ApiToken.objects.get(pk=t.token.pk).revoked_at,
        TemplateVersion.objects.filter(template=t.template).count(),
        Authorization.objects.filter(patient=t.patient).count(),
        t.template.__class__.objects.get(pk=t.template.pk).name,
        _connected_account(t).status,
        Post.objects.filter(pk=_post_of(t).pk)
        .values_list("state", "caption", "scheduled_at")
        .get(),
        list(
            MediaItem.objects.filter(practice=t.practice).values_list(
                "status", "regions", "shows_no_patient", "body_regions", "generation", "keep_faces"
            )
        ),
    )


def _secrets(t) -> list[bytes]:
    ids = {k: v for k, v in _ids(t).items() if k != "tpl"}  # a small integer matches anywhere
    return [s.encode() for s in (*ids.values(), "Bella Other", "MRN-Bella", t.member.username)]


@pytest.fixture
def two(practice, other_practice, make_tenant):
    pair = make_tenant(practice, "Alice Own"), make_tenant(other_practice, "Bella Other")
    for tenant in pair:
        media_item_for(tenant.admin)  # one cleared media item each
    return pair


@pytest.mark.parametrize(("kind", "method", "path", "body"), [*WEB, *API])
def test_another_practices_object_is_404_like_a_missing_one(
    two, login, kind, method, path, body
) -> None:
    a, b = two
    before = _snapshot(b)
    client = (
        login(a.admin)
        if kind == "web"
        else Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(a.admin, 't')}")
    )
    theirs = _send(client, kind, method, path.format(**_ids(b)), body)
    missing = _send(client, kind, method, path.format(**MISSING), body)
    expected = 404 if method in ("GET", "POST") or path.startswith("/api/media/") else 405
    assert theirs.status_code == missing.status_code == expected, theirs.content[:300]
    if kind == "api":
        assert theirs.content == missing.content
    for secret in _secrets(b):
        assert secret not in theirs.content
    assert _snapshot(b) == before
    # The same request on A's own object is not refused: the table names real endpoints.
    own = _send(client, kind, method, path.format(**_ids(a)), body)
    assert own.status_code not in (403, 404), (path, own.status_code)


@pytest.mark.parametrize(("field", "value"), API_BODY)
def test_another_practices_object_in_a_body_is_404(two, field, value) -> None:
    a, b = two
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(a.admin, 't')}")
    body = {
        "patient": a.patient.public_id,
        "template": a.template.pk,
        "platforms": ["instagram"],
        "media_types": ["photo"],
        "identifiability": "face_masked",
        "body_regions": ["abdomen"],
        "purposes": ["marketing"],
        "expires_on": "2099-01-01",
        field: value.format(**_ids(b)) if field == "patient" else int(value.format(**_ids(b))),
    }
    before = Authorization.objects.count()
    response = client.post("/api/authorizations", json.dumps(body), content_type="application/json")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    assert Authorization.objects.count() == before


LISTS = [
    ("web", "/"),
    ("web", "/patients/"),
    ("web", "/patients/?q=Bella+Other"),
    ("web", "/patients/?q=MRN-Bella"),
    ("web", "/staff/"),
    ("web", "/authorizations/"),
    ("web", "/authorizations/templates/"),
    ("web", "/audit/"),
    ("web", "/settings/tokens/"),
    ("web", "/publishing/accounts/"),
    ("web", "/publishing/takedowns/"),
    ("web", "/posts/"),
    ("web", "/posts/calendar/"),
    ("web", "/practice/profile/"),
    ("api", "/api/patients"),
    ("api", "/api/patients/lookup?name=Bella+Other"),
    ("api", "/api/patients/lookup?record_number=MRN-Bella"),
    ("api", "/api/templates"),
    ("api", "/api/patients/{pt_a}/authorizations"),
    ("api", "/api/posts"),
    ("web", "/media/"),
    ("api", "/api/media"),
]


@pytest.mark.parametrize(("kind", "path"), LISTS)
def test_lists_never_show_another_practices_objects(two, login, kind, path) -> None:
    a, b = two
    client = (
        login(a.admin)
        if kind == "web"
        else Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(a.admin, 't')}")
    )
    response = client.get(path.format(pt_a=a.patient.public_id))
    assert response.status_code == 200, response.content[:300]
    searched = path.partition("=")[2].replace("+", " ").encode()
    content = response.content.replace(searched, b"") if searched else response.content
    for secret in _secrets(b):
        assert secret not in content, secret
    if kind == "api":
        assert (
            b.template.name.encode() not in response.content or a.template.name == b.template.name
        )


def test_a_token_only_ever_acts_in_its_own_practice(two) -> None:
    a, b = two
    client = Client(HTTP_AUTHORIZATION=f"Bearer {b.raw_token}")  # B's admin
    assert client.get(f"/api/authorizations/{a.release.public_id}").status_code == 404
    assert client.get(f"/api/patients/{a.patient.public_id}").status_code == 404
    assert client.get(f"/api/authorizations/{b.release.public_id}").status_code == 200


@pytest.mark.parametrize(
    ("attr", "prefix"),
    [("patient", "pt_"), ("release", "au_"), ("member", "st_"), ("token", "tk_")],
)
def test_ids_are_random_and_unguessable(two, attr, prefix) -> None:
    a, b = two
    ids = [getattr(a, attr).public_id, getattr(b, attr).public_id]
    for public_id in ids:
        assert re.fullmatch(re.escape(prefix) + r"[A-Za-z0-9_-]{16}", public_id)  # 96 random bits
    assert ids[0] != ids[1]


def test_unchanged_after_every_attempt(two, login) -> None:
    """All the write attempts in one session leave B's objects exactly as they were."""
    a, b = two
    before = _snapshot(b)
    web = login(a.admin)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(a.admin, 't')}")
    for kind, method, path, body in WEB + API:
        if method != "GET":
            _send(web if kind == "web" else api, kind, method, path.format(**_ids(b)), body)
    assert _snapshot(b) == before
    assert Authorization.objects.get(pk=b.release.pk).status == Status.SIGNED
