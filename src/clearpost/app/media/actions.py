"""The only write paths of the media library; each runs in one transaction and records
its audit event in it. Views, the API and the background task call these.

Roles: staff who take photos upload and edit (owner, privacy officer, clinician,
content creator); the original (PHI) is readable only by the privacy officer and
clinicians, and every read is audited; leaving a face visible needs the privacy
officer and a written reason.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clearpost.app.accounts.models import Role, User
from clearpost.app.accounts.permissions import check_roles
from clearpost.app.audit.actions import record
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.authorizations.coverage import check_use
from clearpost.app.authorizations.models import Authorization
from clearpost.app.media import intake
from clearpost.app.media.models import (
    FINISHED,
    Kind,
    MediaItem,
    MediaLink,
    MediaPair,
    MediaStatus,
    NoPatientKind,
)
from clearpost.app.media.sealed import open_stream, seal_stream, seal_text
from clearpost.app.media.usage import is_published_somewhere
from clearpost.app.patients.models import Patient
from clearpost.engine import catalog
from clearpost.engine.consent.check import Result
from clearpost.engine.consent.model import BodyRegion
from clearpost.engine.media.regions import RegionsError, parse_regions

UPLOAD_ROLES = (Role.OWNER, Role.PRIVACY_OFFICER, Role.CLINICIAN, Role.CONTENT_CREATOR)
ORIGINAL_ROLES = (Role.PRIVACY_OFFICER, Role.CLINICIAN)
DELETE_ROLES = (Role.OWNER, Role.PRIVACY_OFFICER, Role.CLINICIAN)
DEID_RULE = "HIPAA-DEID-SAFE-HARBOR-18"
FACE_RULE = "HIPAA-DEID-FULL-FACE"
REGIONS_RULE = "HIPAA-DEID-UNIQUE-FEATURES"
STORE_RULE = "SEC-ENCRYPTION-REST"
AUDIT_RULE = "SEC-AUDIT-CONTROLS"
PAIR_RULE = "BA-SAME-PATIENT"
ERASE_RULE = "GDPR-ART17-ERASE"
NO_PATIENT_KINDS = ("staff", "facility", "stock")


def storage() -> Storage:
    return storages["default"]


def _binding(item: MediaItem) -> str:
    return f"media:{item.public_id}:original"


def _practice_of(actor: User) -> Any:
    if actor.practice is None:
        raise ActionError({"": "This account belongs to no practice."})
    return actor.practice


# ---------------------------------------------------------------- upload and storage


def ingest(actor: User, path: Path, name: str, request: HttpRequest | None = None) -> MediaItem:
    """Check one uploaded file with the engine, store it sealed, queue de-identification.

    Raises `intake.UploadRefused` (nothing stored) for a file the engine refuses. The
    caller owns `path` (a temporary file) and deletes it afterwards.
    """
    check_roles(actor, UPLOAD_ROLES, request, "upload media")
    practice = _practice_of(actor)
    accepted = intake.check(path)
    item = MediaItem(
        practice=practice,
        kind=Kind.VIDEO if accepted.kind == "video" else Kind.PHOTO,
        created_by=actor,
        original_format=accepted.format,
        original_sha256=accepted.sha256,
        original_size=accepted.size,
        captured_at=accepted.captured_at,
        generation=1,
        progress_stage="queued",
    )
    item.original_name_enc = seal_text(Path(name).name[:255], f"media:{item.public_id}:name")
    stored = _store_sealed(item, path)
    try:
        with transaction.atomic():
            item.original = stored
            item.save()
            record(
                "media.upload",
                actor=actor,
                obj=item,
                rule=STORE_RULE,
                detail={
                    "kind": item.kind,
                    "format": item.original_format,
                    "size": item.original_size,
                },
                request=request,
            )
            _enqueue(item)
    except BaseException:
        storage().delete(stored)
        raise
    return item


def record_refusal(
    actor: User, refusal: intake.UploadRefused, request: HttpRequest | None = None
) -> None:
    """An upload refused before storage is still evidence (no file name: it may be PHI)."""
    prefix = refusal.reason.split(":", 1)[0]
    rule = prefix if catalog.exists(prefix) else "HIPAA-DEID-METADATA"
    record(
        "media.upload_refused",
        actor=actor,
        rule=rule,
        object_type="media.mediaitem",
        detail={"reason": refusal.reason[:300]},
        request=request,
    )


def _store_sealed(item: MediaItem, path: Path) -> str:
    """Seal to a temporary file beside the data, then hand it to the storage backend
    (local folder today, object storage later: only the setting changes)."""
    from django.conf import settings

    work = Path(settings.DATA_DIR) / "work"
    work.mkdir(exist_ok=True, mode=0o700)
    sealed = work / f"{item.public_id}.sealed"
    try:
        with path.open("rb") as src, sealed.open("wb") as dst:
            seal_stream(src, dst, _binding(item))
        with sealed.open("rb") as fh:
            return storage().save(
                f"media/originals/{item.practice_id}/{item.public_id}.sealed", File(fh)
            )
    finally:
        sealed.unlink(missing_ok=True)


def _enqueue(item: MediaItem) -> None:
    from clearpost.app.media.tasks import deid_item

    public_id, generation = item.public_id, item.generation
    transaction.on_commit(lambda: deid_item.enqueue(public_id, generation))


def original_chunks(item: MediaItem) -> Iterator[bytes]:
    """Decrypted original, chunk by chunk. Internal: the task, and `open_original`."""
    with storage().open(item.original, "rb") as fh:
        yield from open_stream(cast(BinaryIO, fh), _binding(item))


def open_original(
    actor: User, item: MediaItem, request: HttpRequest | None = None, purpose: str = "view"
) -> Iterator[bytes]:
    """The original for a person: role-checked, and the read is audited before a byte leaves."""
    check_roles(actor, ORIGINAL_ROLES, request, "see original (unredacted) media")
    if item.practice_id != actor.practice_id or not item.original:
        raise ActionError({"": "The original is not available."})
    record(
        "media.original_view",
        actor=actor,
        obj=item,
        rule=AUDIT_RULE,
        detail={"purpose": purpose},
        request=request,
    )
    return original_chunks(item)


def audit_derivative_download(
    actor: User, item: MediaItem, request: HttpRequest | None = None
) -> None:
    record("media.derivative_download", actor=actor, obj=item, rule=AUDIT_RULE, request=request)


# ---------------------------------------------------------------- de-identification


def _rerun(item: MediaItem) -> None:
    """Queue a new generation; any task still running for the old one becomes a no-op."""
    item.generation += 1
    item.status = MediaStatus.UPLOADED
    item.progress_stage, item.progress_done, item.progress_total = "queued", 0, 0
    item.save()
    _enqueue(item)


def rerun_deid(actor: User, item: MediaItem, request: HttpRequest | None = None) -> None:
    """Run de-identification again (after a worker died, or after a fix)."""
    check_roles(actor, UPLOAD_ROLES, request, "re-run de-identification")
    with transaction.atomic():
        locked: MediaItem = MediaItem.objects.select_for_update().get(pk=item.pk)
        if locked.status == MediaStatus.DELETED:
            raise ActionError({"": "The item was deleted."})
        _rerun(locked)
        record("media.rerun", actor=actor, obj=locked, rule=DEID_RULE, request=request)


def claim(public_id: str, generation: int) -> MediaItem | None:
    """The task's start: mark the item processing if this generation is still wanted."""
    with transaction.atomic():
        item: MediaItem | None = (
            MediaItem.objects.select_for_update()
            .filter(public_id=public_id, generation=generation)
            .exclude(status__in=FINISHED)
            .first()
        )
        if item is None:
            return None
        item.status = MediaStatus.PROCESSING
        item.progress_stage, item.progress_done, item.progress_total = "starting", 0, 0
        item.save(
            update_fields=[
                "status",
                "progress_stage",
                "progress_done",
                "progress_total",
                "updated_at",
            ]
        )
    return item


def set_progress(public_id: str, generation: int, stage: str, done: int, total: int) -> None:
    """Live progress for the page's polling (no audit: it is not a change of substance)."""
    MediaItem.objects.filter(
        public_id=public_id, generation=generation, status=MediaStatus.PROCESSING
    ).update(
        progress_stage=stage[:32],
        progress_done=max(0, done),
        progress_total=max(0, total),
        updated_at=timezone.now(),  # a long video is alive, not stuck
    )


def provenance_flags(report: Mapping[str, Any]) -> list[str]:
    prov = report.get("provenance") or {}
    flags: list[str] = []
    if prov.get("edited"):
        flags.append("edited")
    signals = " ".join(str(s) for s in prov.get("edit_signals") or []).lower()
    if any(word in signals for word in ("filter", "facetune", "beauty", "retouch", "snapchat")):
        flags.append("filtered")
    return flags


def finish_deid(
    public_id: str, generation: int, report: dict[str, Any], output: Path | None
) -> MediaItem | None:
    """Store the verified derivative (if cleared) and the report. A stale generation
    or a deleted item stores nothing, so a late or repeated task cannot undo a newer run."""
    stored = ""
    status = str(report.get("status") or "refused")
    if status == "cleared" and output is not None:
        digest = str(report.get("output_sha256") or intake.sha256(output))
        name = f"media/derivatives/{public_id}/{digest[:32]}{output.suffix}"
        if storage().exists(name):
            stored = name
        else:
            with output.open("rb") as fh:
                stored = storage().save(name, File(fh))
    try:
        with transaction.atomic():
            item: MediaItem | None = (
                MediaItem.objects.select_for_update().filter(public_id=public_id).first()
            )
            if item is None or item.generation != generation or item.status == MediaStatus.DELETED:
                if stored:
                    transaction.on_commit(lambda: storage().delete(stored))
                return None
            old = item.derivative
            report = dict(report, input="original", output=stored or None)
            item.report = report
            item.status = status if status in MediaStatus.values else MediaStatus.REFUSED
            item.reason = str(report.get("reason") or "")
            item.derivative = stored
            item.derivative_sha256 = str(report.get("output_sha256") or "") if stored else ""
            item.derivative_ext = output.suffix if stored and output is not None else ""
            item.faces_left_visible = any(
                f.get("action") == "kept" for f in report.get("faces") or []
            )
            item.provenance_flags = provenance_flags(report)
            item.progress_stage = "done"
            item.processed_at = timezone.now()
            item.save()
            record(
                "media.deid",
                actor_label="system",
                practice=item.practice,
                obj=item,
                rule=DEID_RULE,
                detail={
                    "status": item.status,
                    "faces": len(report.get("faces") or []),
                    "text_regions": len(report.get("text_regions") or []),
                    "manual_regions": len(item.regions),
                    "faces_left_visible": item.faces_left_visible,
                    "reason": item.reason[:300],
                },
            )
            if old and old != stored:
                transaction.on_commit(lambda: storage().delete(old))
    except BaseException:
        if stored:
            storage().delete(stored)
        raise
    return item


# ---------------------------------------------------------------- regions and faces


def validate_regions(item: MediaItem, regions: Any) -> list[dict[str, Any]]:
    """Regions in the engine's format, checked by the engine's own strict parser."""
    if not isinstance(regions, list):
        raise ActionError({"regions": "Send a list of regions."})
    doc = {"version": 1, "files": {item.original_sha256: {"regions": regions}}}
    try:
        parse_regions(json.dumps(doc))
    except RegionsError as exc:
        where = str(exc).split(".regions", 1)[-1]
        found = re.match(r"^\[(\d+)\]\.?(.*)$", where)
        message = f"region {int(found.group(1)) + 1}: {found.group(2)}" if found else str(exc)
        raise ActionError({"regions": f"A region is not valid: {message}"}) from None
    if item.kind == Kind.PHOTO and any(
        k in r for r in regions for k in ("time", "frames", "keyframes")
    ):
        raise ActionError({"regions": "A photo's regions have no start and end time."})
    return list(regions)


def save_regions(
    actor: User, item: MediaItem, regions: Any, request: HttpRequest | None = None
) -> MediaItem:
    """Save manual regions and apply them by running de-identification again; the new
    derivative is verified like any other."""
    check_roles(actor, UPLOAD_ROLES, request, "redact media")
    clean = validate_regions(item, regions)
    with transaction.atomic():
        locked: MediaItem = MediaItem.objects.select_for_update().get(pk=item.pk)
        if locked.status == MediaStatus.DELETED:
            raise ActionError({"": "The item was deleted."})
        before = {"regions": locked.regions}
        locked.regions = clean
        _rerun(locked)
        record(
            "media.regions",
            actor=actor,
            obj=locked,
            rule=REGIONS_RULE,
            before=before,
            after={"regions": clean},
            detail={
                "count": len(clean),
                "labels": sorted({str(r.get("label", "")) for r in clean}),
            },
            request=request,
        )
    return locked


def face_use(item: MediaItem, auth: Authorization, shows_face: bool) -> dict[str, Any]:
    """The proposed use the consent engine judges for this item under this release.

    The item has no platform or purpose yet (a post gives those); the release's own first
    platform and purpose are used so that the answer is about what the item shows
    (media type, body regions, identifiability) and the release's validity. Posting
    checks coverage again for the real platform and purpose."""
    platforms = list(auth.platforms or ["website"])
    purposes = list(auth.purposes or ["marketing"])
    return {
        "platform": platforms[0],
        "media_type": item.kind,
        "shows_face": shows_face,
        "name_shown": "none",
        "body_regions": list(item.body_regions),
        "purpose": purposes[0],
        "paid_promotion": False,
    }


def coverage(item: MediaItem, link: MediaLink, actor: User | None = None) -> Result | None:
    if link.authorization is None:
        return None
    shows_face = item.faces_left_visible or item.keep_faces
    return check_use(
        link.authorization, face_use(item, link.authorization, shows_face), actor=actor
    )


def leave_faces_visible(
    actor: User, item: MediaItem, reason: str, request: HttpRequest | None = None
) -> MediaItem:
    """Keep detected faces unredacted. Only the privacy officer, only with a written
    reason, and only when every linked release covers "face shown" (HIPAA-DEID-FULL-FACE)."""
    check_roles(actor, (Role.PRIVACY_OFFICER,), request, "leave a face visible")
    reason = " ".join(reason.split())
    if len(reason) < 10:
        raise ActionError({"reason": "Write why the face may be shown (at least a sentence)."})
    links = list(item.links.select_related("authorization", "patient"))
    if not links:
        raise ActionError({"": "Link the patient and their release first."})
    problems = []
    for link in links:
        if link.authorization is None:
            problems.append("A linked patient has no release chosen.")
            continue
        result = check_use(
            link.authorization, face_use(item, link.authorization, True), actor=actor
        )
        if not result.covered:
            codes = ", ".join(r.message for r in result.reasons if r.blocking)
            problems.append(
                f"Release {link.authorization.public_id} does not cover a face: {codes}"
            )
    if problems:
        raise ActionError({"": problems})
    with transaction.atomic():
        locked: MediaItem = MediaItem.objects.select_for_update().get(pk=item.pk)
        locked.keep_faces, locked.keep_faces_reason = True, reason
        _rerun(locked)
        record(
            "media.faces_left_visible",
            actor=actor,
            obj=locked,
            rule=FACE_RULE,
            detail={"reason": reason[:500], "releases": [lk.authorization_id for lk in links]},
            request=request,
        )
    return locked


def redact_faces_again(actor: User, item: MediaItem, request: HttpRequest | None = None) -> None:
    check_roles(actor, UPLOAD_ROLES, request, "redact faces")
    with transaction.atomic():
        locked: MediaItem = MediaItem.objects.select_for_update().get(pk=item.pk)
        locked.keep_faces, locked.keep_faces_reason = False, ""
        _rerun(locked)
        record("media.faces_redacted", actor=actor, obj=locked, rule=FACE_RULE, request=request)


# ---------------------------------------------------------------- links, pairs, labels


def set_body_regions(
    actor: User, item: MediaItem, regions: Sequence[str], request: HttpRequest | None = None
) -> None:
    check_roles(actor, UPLOAD_ROLES, request, "describe media")
    allowed = {r.value for r in BodyRegion}
    bad = [r for r in regions if r not in allowed]
    if bad:
        raise ActionError({"body_regions": f"Unknown body regions: {', '.join(bad)}"})
    with transaction.atomic():
        before = {"body_regions": item.body_regions}
        item.body_regions = sorted(set(regions))
        item.save(update_fields=["body_regions", "updated_at"])
        record(
            "media.body_regions",
            actor=actor,
            obj=item,
            rule=AUDIT_RULE,
            before=before,
            after={"body_regions": item.body_regions},
            request=request,
        )


def link_patient(
    actor: User,
    item: MediaItem,
    patient: Patient,
    authorization: Authorization | None,
    request: HttpRequest | None = None,
) -> MediaLink:
    check_roles(actor, UPLOAD_ROLES, request, "link media to patients")
    if patient.practice_id != item.practice_id:
        raise ActionError({"patient": "No such patient."})
    if authorization is not None and (
        authorization.patient_id != patient.pk or authorization.practice_id != item.practice_id
    ):
        raise ActionError({"authorization": "That release is not this patient's."})
    with transaction.atomic():
        locked: MediaItem = MediaItem.objects.select_for_update().get(pk=item.pk)
        if locked.status == MediaStatus.DELETED:
            raise ActionError({"": "The item was deleted."})
        link, _ = MediaLink.objects.get_or_create(
            item=locked,
            patient=patient,
            authorization=authorization,
            defaults={"created_by": actor},
        )
        if locked.shows_no_patient:
            locked.shows_no_patient, locked.no_patient_kind = False, NoPatientKind.NONE
            locked.save(update_fields=["shows_no_patient", "no_patient_kind", "updated_at"])
        record(
            "media.link",
            actor=actor,
            obj=locked,
            rule="HIPAA-AUTH-SCOPE-MATCH",
            detail={
                "patient": patient.public_id,
                "authorization": authorization.public_id if authorization else None,
            },
            request=request,
        )
    return link


def unlink(actor: User, item: MediaItem, link_id: int, request: HttpRequest | None = None) -> None:
    check_roles(actor, UPLOAD_ROLES, request, "link media to patients")
    with transaction.atomic():
        link = MediaLink.objects.filter(item=item, pk=link_id).select_related("patient").first()
        if link is None:
            raise ActionError({"": "No such link."})
        patient = link.patient.public_id
        link.delete()
        record(
            "media.unlink",
            actor=actor,
            obj=item,
            rule=AUDIT_RULE,
            detail={"patient": patient},
            request=request,
        )


def mark_no_patient(
    actor: User, item: MediaItem, kind: str, request: HttpRequest | None = None
) -> None:
    """Staff, facility or stock: shows no patient. Stock carries the label the caption
    rules need (CA-BPC-651-MODEL)."""
    check_roles(actor, UPLOAD_ROLES, request, "describe media")
    if kind not in NO_PATIENT_KINDS:
        raise ActionError({"no_patient_kind": "Choose staff, facility or stock."})
    with transaction.atomic():
        if item.links.exists():
            raise ActionError(
                {"": "Remove the patient links first: the item is linked to a patient."}
            )
        item.shows_no_patient, item.no_patient_kind = True, kind
        item.save(update_fields=["shows_no_patient", "no_patient_kind", "updated_at"])
        record(
            "media.no_patient",
            actor=actor,
            obj=item,
            rule="CA-BPC-651-MODEL" if kind == "stock" else AUDIT_RULE,
            detail={"kind": kind},
            request=request,
        )


def _patients_of(item: MediaItem) -> set[int]:
    return set(item.links.values_list("patient_id", flat=True))


def create_pair(
    actor: User,
    before: MediaItem,
    after: MediaItem,
    before_date: dt.date | None = None,
    after_date: dt.date | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> MediaPair:
    """Two items of the same patient (BA-SAME-PATIENT); dates default to the capture
    dates read before scrubbing, and an edited date needs its reason."""
    check_roles(actor, UPLOAD_ROLES, request, "make before/after pairs")
    errors: dict[str, str] = {}
    if before.pk == after.pk:
        errors["after"] = "Choose two different items."
    if before.practice_id != after.practice_id or before.practice_id != actor.practice_id:
        errors["after"] = "No such item."
    if not (_patients_of(before) & _patients_of(after)):
        errors[""] = "Link both items to the same patient first (BA-SAME-PATIENT)."
    read_before = before.captured_at.date() if before.captured_at else None
    read_after = after.captured_at.date() if after.captured_at else None
    before_date = before_date or read_before
    after_date = after_date or read_after
    edited = (read_before is not None and before_date != read_before) or (
        read_after is not None and after_date != read_after
    )
    reason = " ".join(reason.split())
    if edited and len(reason) < 5:
        errors["reason"] = "Say why a date differs from the one the camera recorded."
    if before_date and after_date and after_date < before_date:
        errors["after_date"] = "The after date is before the before date."
    if errors:
        raise ActionError(errors)
    with transaction.atomic():
        pair = MediaPair.objects.create(
            practice=before.practice,
            before=before,
            after=after,
            before_date=before_date,
            after_date=after_date,
            date_edit_reason=reason if edited else "",
            created_by=actor,
        )
        record(
            "media.pair",
            actor=actor,
            obj=pair,
            rule=PAIR_RULE,
            detail={
                "before": before.public_id,
                "after": after.public_id,
                "dates_edited": edited,
                "reason": reason[:300] if edited else "",
            },
            request=request,
        )
    return pair


# ---------------------------------------------------------------- deletion


def delete_item(
    actor: User, item: MediaItem, reason: str = "", request: HttpRequest | None = None
) -> None:
    """Remove original and derivative; the row stays as a tombstone with the audit record.

    Refused while a published post uses the item (`usage.is_published_somewhere`): take
    the post down first. Pairs that used the item go with it.
    """
    check_roles(actor, DELETE_ROLES, request, "delete media")
    if is_published_somewhere(item):
        raise ActionError(
            {"": "A published post uses this item. Take the post down first, then delete it."}
        )
    with transaction.atomic():
        locked: MediaItem = MediaItem.objects.select_for_update().get(pk=item.pk)
        if locked.status == MediaStatus.DELETED:
            return
        files = [name for name in (locked.original, locked.derivative) if name]
        pairs = list(
            MediaPair.objects.filter(before=locked).values_list("public_id", flat=True)
        ) + list(MediaPair.objects.filter(after=locked).values_list("public_id", flat=True))
        MediaPair.objects.filter(public_id__in=pairs).delete()
        locked.links.all().delete()
        locked.original = locked.derivative = locked.derivative_sha256 = ""
        locked.original_name_enc = ""
        locked.report, locked.regions = {}, []
        locked.status = MediaStatus.DELETED
        locked.generation += 1
        locked.deleted_at = timezone.now()
        locked.save()
        record(
            "media.delete",
            actor=actor,
            obj=locked,
            rule=ERASE_RULE,
            detail={
                "reason": " ".join(reason.split())[:300],
                "pairs_removed": pairs,
                "files": len(files),
            },
            request=request,
        )

        def remove() -> None:
            for name in files:
                storage().delete(name)

        transaction.on_commit(remove)
