"""The media library over the JSON API (/api/media): the same actions as the pages,
the API's one error shape, and per-practice isolation (another practice's item is
404 like a missing one). Photo systems a practice already uses push files with the
chunked, resumable protocol: start, PUT chunks at offsets, finish.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from clearpost.app.api.base import PayloadTooLarge, TokenAuth, actor, api, error
from clearpost.app.authorizations.actions import ActionError, scoped_authorizations
from clearpost.app.authorizations.models import Authorization
from clearpost.app.media import actions, intake, selectors, uploads
from clearpost.app.media.models import MediaItem, MediaPair, UploadSession
from clearpost.app.patients.actions import scoped_patients
from clearpost.app.patients.models import Patient

router = Router(tags=["media"])


class ChunkAuth(TokenAuth):
    """The token check with room for one upload chunk instead of a JSON body."""

    def __call__(self, request: HttpRequest) -> Any:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > uploads.MAX_CHUNK:
            raise PayloadTooLarge()
        return super(TokenAuth, self).__call__(request)


class UploadIn(Schema):
    name: str = Field(default="upload", max_length=255)
    size: int = Field(gt=0)


class UploadOut(Schema):
    id: str
    received: int
    size: int


class ItemOut(Schema):
    id: str
    kind: str
    status: str
    reason: str
    progress_stage: str
    progress_percent: int
    captured_at: dt.datetime | None
    created_at: dt.datetime
    shows_no_patient: bool
    no_patient_kind: str
    faces_left_visible: bool
    provenance_flags: list[str]
    body_regions: list[str]
    derivative_sha256: str
    regions: list[dict[str, Any]]


class RegionsIn(Schema):
    regions: list[dict[str, Any]]


class LinkIn(Schema):
    patient: str = ""
    authorization: str = ""


class LinkOut(Schema):
    id: int
    patient: str
    authorization: str | None
    covered: bool | None
    reasons: list[dict[str, Any]]


class NoPatientIn(Schema):
    kind: str


class PairIn(Schema):
    before: str
    after: str
    before_date: dt.date | None = None
    after_date: dt.date | None = None
    reason: str = Field(default="", max_length=500)


class PairOut(Schema):
    id: str
    before: str
    after: str
    before_date: dt.date | None
    after_date: dt.date | None
    days_between: int | None
    date_edit_reason: str


def item_out(item: MediaItem) -> ItemOut:
    return ItemOut(
        id=item.public_id,
        kind=item.kind,
        status=item.status,
        reason=item.reason,
        progress_stage=item.progress_stage,
        progress_percent=item.percent,
        captured_at=item.captured_at,
        created_at=item.created_at,
        shows_no_patient=item.shows_no_patient,
        no_patient_kind=item.no_patient_kind,
        faces_left_visible=item.faces_left_visible,
        provenance_flags=list(item.provenance_flags),
        body_regions=list(item.body_regions),
        derivative_sha256=item.derivative_sha256,
        regions=list(item.regions),
    )


def pair_out(pair: MediaPair) -> PairOut:
    return PairOut(
        id=pair.public_id,
        before=pair.before.public_id,
        after=pair.after.public_id,
        before_date=pair.before_date,
        after_date=pair.after_date,
        days_between=pair.days_between,
        date_edit_reason=pair.date_edit_reason,
    )


def _item(request: HttpRequest, public_id: str) -> MediaItem:
    user = actor(request)
    assert user.practice is not None
    return selectors.item_for(user.practice, public_id)


def _refused(request: HttpRequest, refusal: intake.UploadRefused) -> HttpResponse:
    return error(request, 422, refusal.plain, {"file": [refusal.reason]}, {"refused": True})


def _session(request: HttpRequest, upload_id: str) -> UploadSession:
    found = uploads.session_for(actor(request), upload_id)
    if found is None:
        raise Http404
    return found


@router.post("/uploads", response={201: UploadOut}, summary="Start a chunked upload")
def start_upload(request: HttpRequest, payload: UploadIn) -> Any:
    user = actor(request)
    try:
        session = uploads.start(user, payload.name, payload.size, request)
    except intake.UploadRefused as refusal:
        actions.record_refusal(user, refusal, request)
        return _refused(request, refusal)
    return Status(201, UploadOut(id=session.public_id, received=0, size=session.size))


@router.get("/uploads/{upload_id}", response=UploadOut, summary="How much arrived (to resume)")
def upload_status(request: HttpRequest, upload_id: str) -> UploadOut:
    s = _session(request, upload_id)
    return UploadOut(id=s.public_id, received=s.received, size=s.size)


@router.put(
    "/uploads/{upload_id}",
    response=UploadOut,
    auth=ChunkAuth(),
    summary="Send the next chunk (raw bytes, at most 8 MiB) at ?offset=",
)
def upload_chunk(request: HttpRequest, upload_id: str, offset: int) -> Any:
    user = actor(request)
    s = _session(request, upload_id)
    length = int(request.META.get("CONTENT_LENGTH") or "0")
    try:
        received = uploads.append(s, offset, request, length)  # type: ignore[arg-type]
    except intake.UploadRefused as refusal:
        actions.record_refusal(user, refusal, request)
        return _refused(request, refusal)
    except ActionError as exc:
        fresh = uploads.session_for(user, upload_id)
        return error(request, 409, str(exc), None, {"received": fresh.received if fresh else 0})
    return UploadOut(id=s.public_id, received=received, size=s.size)


@router.post(
    "/uploads/{upload_id}/finish",
    response={201: ItemOut},
    summary="Check and store the file; de-identification starts in the background",
)
def finish_upload(request: HttpRequest, upload_id: str) -> Any:
    s = _session(request, upload_id)
    try:
        item = uploads.finish(actor(request), s, request)
    except intake.UploadRefused as refusal:
        return _refused(request, refusal)
    return Status(201, item_out(item))


@router.post("/pairs", response={201: PairOut}, summary="Make a before/after pair")
def post_pair(request: HttpRequest, payload: PairIn) -> Any:
    before = _item(request, payload.before)
    after = _item(request, payload.after)
    pair = actions.create_pair(
        actor(request),
        before,
        after,
        payload.before_date,
        payload.after_date,
        payload.reason,
        request,
    )
    return Status(201, pair_out(pair))


@router.get("/pairs/{public_id}", response=PairOut, summary="One before/after pair")
def get_pair(request: HttpRequest, public_id: str) -> PairOut:
    user = actor(request)
    assert user.practice is not None
    return pair_out(selectors.pair_for(user.practice, public_id))


@router.get("", response=list[ItemOut], summary="The practice's media, newest first")
def list_items(request: HttpRequest, limit: int = 50) -> list[ItemOut]:
    user = actor(request)
    assert user.practice is not None
    return [item_out(i) for i in selectors.items(user.practice)[: max(1, min(limit, 200))]]


@router.get("/{public_id}", response=ItemOut, summary="Status and progress of one item")
def get_item(request: HttpRequest, public_id: str) -> ItemOut:
    return item_out(_item(request, public_id))


@router.get("/{public_id}/report", response=dict[str, Any], summary="The engine's report")
def get_report(request: HttpRequest, public_id: str) -> dict[str, Any]:
    return dict(_item(request, public_id).report_dict)


@router.get("/{public_id}/derivative", summary="Download the de-identified file")
def get_derivative(request: HttpRequest, public_id: str) -> FileResponse:
    item = _item(request, public_id)
    if item.status != "cleared" or not item.derivative:
        raise Http404
    actions.audit_derivative_download(actor(request), item, request)
    return FileResponse(
        actions.storage().open(item.derivative, "rb"),
        as_attachment=True,
        filename=f"{item.public_id}{item.derivative_ext}",
    )


@router.put("/{public_id}/regions", response=ItemOut, summary="Save manual regions and re-run")
def put_regions(request: HttpRequest, public_id: str, payload: RegionsIn) -> ItemOut:
    item = _item(request, public_id)
    return item_out(actions.save_regions(actor(request), item, payload.regions, request))


def _links(request: HttpRequest, item: MediaItem) -> list[LinkOut]:
    rows = []
    for link in item.links.select_related("patient", "authorization"):
        result = actions.coverage(item, link, actor(request))
        rows.append(
            LinkOut(
                id=link.pk,
                patient=link.patient.public_id,
                authorization=link.authorization.public_id if link.authorization else None,
                covered=result.covered if result else None,
                reasons=[r.to_json() for r in result.reasons] if result else [],
            )
        )
    return rows


@router.get("/{public_id}/links", response=list[LinkOut], summary="Links and their coverage")
def get_links(request: HttpRequest, public_id: str) -> list[LinkOut]:
    return _links(request, _item(request, public_id))


@router.post(
    "/{public_id}/links",
    response={201: list[LinkOut]},
    summary="Link a patient (and their release); answers every link's coverage",
)
def post_link(request: HttpRequest, public_id: str, payload: LinkIn) -> Any:
    user = actor(request)
    item = _item(request, public_id)
    release: Authorization | None = None
    patient: Patient | None = None
    if payload.authorization:
        release = scoped_authorizations(user).filter(public_id=payload.authorization).first()
        if release is None:
            raise Http404
        patient = release.patient
    if payload.patient:
        patient = scoped_patients(user).filter(public_id=payload.patient).first()
        if patient is None:
            raise Http404
    if patient is None:
        raise ValidationError({"patient": ["Give a patient or one of their releases."]})
    actions.link_patient(user, item, patient, release, request)
    return Status(201, _links(request, item))


@router.delete("/{public_id}/links/{link_id}", response={204: None}, summary="Remove a link")
def delete_link(request: HttpRequest, public_id: str, link_id: int) -> Any:
    item = _item(request, public_id)
    if not item.links.filter(pk=link_id).exists():
        raise Http404
    actions.unlink(actor(request), item, link_id, request)
    return Status(204, None)


@router.post("/{public_id}/no-patient", response=ItemOut, summary="Staff, facility or stock")
def post_no_patient(request: HttpRequest, public_id: str, payload: NoPatientIn) -> ItemOut:
    item = _item(request, public_id)
    actions.mark_no_patient(actor(request), item, payload.kind, request)
    return item_out(item)


@router.delete("/{public_id}", response={204: None}, summary="Delete original and derivative")
def delete_item(request: HttpRequest, public_id: str, reason: str = "") -> Any:
    item = _item(request, public_id)
    actions.delete_item(actor(request), item, reason, request)
    return Status(204, None)


__all__ = ["api", "router"]
