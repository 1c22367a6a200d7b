"""Getting bytes in: resumable chunked uploads and a streaming multi-file form.

Limits are enforced while the bytes arrive, never after buffering a whole file: the
first 64 KiB decide the kind (engine `sniff_bytes`), and a file is cut off the moment
it passes its kind's limit. Chunked uploads (the web page's uploader and the API) keep
their bytes in a private `.part` file under the data folder; a dropped connection
resumes from `received` (ask the session, send from there) instead of starting over.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clearpost.app.accounts.models import User
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.media import actions, intake
from clearpost.app.media.models import MediaItem, UploadSession
from clearpost.app.media.sealed import open_text, seal_text
from clearpost.engine.media.report import Refusal
from clearpost.engine.media.sniff import HEAD_BYTES, sniff_bytes

MAX_CHUNK = 8 * 1024 * 1024
PIECE = 64 * 1024
STALE_AFTER = dt.timedelta(hours=24)
LIMIT_RULE = "HIPAA-DEID-METADATA"


def _dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(exist_ok=True, mode=0o700)
    return path


def part_path(session: UploadSession) -> Path:
    return _dir() / f"{session.public_id}.part"


def _over_limit(head: bytes, size: int) -> str | None:
    """A refusal reason once the kind is known and the size passes its limit."""
    try:
        kind = "video" if sniff_bytes(head).kind == "video" else "photo"
    except Refusal:
        return None  # unknown formats are refused by the full check at the end
    cap = intake.max_bytes_for(kind)
    if size > cap:
        return f"{LIMIT_RULE}: the {kind} is over the {cap // intake.MIB} MiB limit for a {kind}"
    return None


def start(actor: User, name: str, size: int, request: HttpRequest | None = None) -> UploadSession:
    from clearpost.app.accounts.permissions import check_roles

    check_roles(actor, actions.UPLOAD_ROLES, request, "upload media")
    if actor.practice is None:
        raise ActionError({"": "This account belongs to no practice."})
    cap = max(intake.max_bytes_for("video"), intake.max_bytes_for("photo"))
    if size <= 0:
        raise intake.UploadRefused(f"{LIMIT_RULE}: the file is empty (0 bytes)")
    if size > cap:
        raise intake.UploadRefused(
            f"{LIMIT_RULE}: the file is {size // intake.MIB} MiB, over the {cap // intake.MIB} MiB limit"
        )
    sweep()
    session = UploadSession(practice=actor.practice, created_by=actor, size=size)
    session.name_enc = seal_text(Path(name).name[:255] or "upload", f"upload:{session.public_id}")
    session.save()
    part_path(session).touch(mode=0o600)
    return session


def session_for(actor: User, public_id: str) -> UploadSession | None:
    """Only the person who started an upload can continue it."""
    found: UploadSession | None = UploadSession.objects.filter(
        public_id=public_id, created_by=actor, practice=actor.practice
    ).first()
    return found


def append(session: UploadSession, offset: int, stream: BinaryIO, length: int) -> int:
    """Write one chunk at `offset`; returns the new `received`. A wrong offset raises
    ActionError naming the offset to resume from; nothing is written then."""
    if length > MAX_CHUNK:
        raise ActionError({"": f"Send chunks of at most {MAX_CHUNK // (1024 * 1024)} MiB."})
    with transaction.atomic():
        locked = UploadSession.objects.select_for_update().get(pk=session.pk)
        if offset != locked.received:
            raise ActionError({"offset": f"Resume from byte {locked.received}."})
        if locked.received + length > locked.size:
            raise ActionError({"": "More bytes than the size announced."})
        path = part_path(locked)
        written = 0
        with path.open("r+b") as fh:
            fh.seek(offset)
            while written < length:
                piece = stream.read(min(PIECE, length - written))
                if not piece:
                    break
                fh.write(piece)
                written += len(piece)
            fh.truncate(offset + written)
        too_big = None
        if locked.received < HEAD_BYTES <= offset + written or offset + written == locked.size:
            with path.open("rb") as fh:
                head = fh.read(HEAD_BYTES)
            too_big = _over_limit(head, locked.size)
        if not too_big:
            locked.received = offset + written
            locked.save(update_fields=["received"])
    if too_big:  # outside the transaction, so the discard is not rolled back
        discard(locked)
        raise intake.UploadRefused(too_big)
    received: int = locked.received
    return received


def finish(actor: User, session: UploadSession, request: HttpRequest | None = None) -> MediaItem:
    """The last byte is in: check and store the file (or refuse it); the session ends."""
    if session.received != session.size:
        raise ActionError({"": f"The upload is incomplete: resume from byte {session.received}."})
    name = open_text(session.name_enc, f"upload:{session.public_id}")
    try:
        return actions.ingest(actor, part_path(session), name, request)
    except intake.UploadRefused as refusal:
        actions.record_refusal(actor, refusal, request)
        raise
    finally:
        discard(session)


def discard(session: UploadSession) -> None:
    part_path(session).unlink(missing_ok=True)
    UploadSession.objects.filter(pk=session.pk).delete()


def sweep() -> None:
    """Abandoned uploads go after a day (their bytes too)."""
    for old in UploadSession.objects.filter(created_at__lt=timezone.now() - STALE_AFTER):
        discard(old)


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """The plain form's handler (no JavaScript): each file streams to a temporary file
    and is skipped, with its reason, the moment it passes its kind's limit; the other
    files of the same request go on."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.refused: list[tuple[str, str]] = []
        self._head = b""
        self._size = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._head, self._size = b"", 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._size += len(raw_data)
        if len(self._head) < HEAD_BYTES:
            self._head += raw_data[: HEAD_BYTES - len(self._head)]
        too_big = _over_limit(self._head, self._size)
        if too_big:
            self.refused.append((self.file_name or "file", too_big))
            self.file.close()
            raise SkipFile()
        result: bytes | None = super().receive_data_chunk(raw_data, start)
        return result
