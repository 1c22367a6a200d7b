"""Small media made on the fly for provider and fake tests (no fixtures on disk)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from clearpost.providers.base import MediaFile


def jpeg_bytes(
    width: int = 1080, height: int = 1080, color: tuple[int, int, int] = (200, 150, 120)
) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "JPEG", quality=70)
    return buf.getvalue()


def png_bytes(width: int = 64, height: int = 64) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 30)).save(buf, "PNG")
    return buf.getvalue()


def mp4_bytes(size: int = 4096) -> bytes:
    """An ISO-BMFF file header (ftyp box) padded to `size`: enough for a format sniff."""
    ftyp = b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2avc1mp41"
    box = struct.pack(">I", len(ftyp) + 4) + ftyp
    return box + b"\x00" * max(0, size - len(box))


def media_file(
    folder: Path,
    name: str,
    data: bytes,
    mime: str,
    *,
    url: str = "",
    alt: str = "",
    width: int = 0,
    height: int = 0,
    duration: float = 0.0,
) -> MediaFile:
    path = folder / name
    path.write_bytes(data)
    return MediaFile(path, mime, alt, url, width, height, duration)


def redirect_session(session: object, hosts: dict[str, str]) -> None:
    """Point a `requests.Session` of an unmodified client library at a local fake.

    Only the transport is changed: the library builds its requests (paths, parameters,
    headers, bodies) exactly as it would for the live platform, and `hosts` maps each
    live origin (for example "https://api.twitter.com") to the fake's base URL.
    """
    import requests
    from requests.adapters import HTTPAdapter

    class Redirect(HTTPAdapter):
        def send(
            self, request: requests.PreparedRequest, *args: object, **kw: object
        ) -> requests.Response:
            url = str(request.url)
            for live, local in hosts.items():
                if url.startswith(live):
                    request.url = local + url[len(live) :]
                    break
            return super().send(request, *args, **kw)  # type: ignore[arg-type]

    assert isinstance(session, requests.Session)
    adapter = Redirect()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
