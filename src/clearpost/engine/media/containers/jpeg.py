"""JPEG: a marker-segment walker that copies the image data bit for bit.

Kept: SOI, frame/scan/table segments and the entropy-coded data unchanged (so the
decoded pixels are identical), a JFIF APP0 rebuilt without its thumbnail, Adobe APP14
(needed to decode CMYK/YCCK colours), a standard ICC profile (date zeroed), and an
EXIF that holds only the orientation. Everything else goes: EXIF (GPS, maker notes,
serials, IFD1 thumbnail), XMP and extended XMP, IPTC/Photoshop APP13, MPF, FlashPix,
JUMBF, other APPn, comments, and every byte after EOI (motion-photo videos, MPF
secondary images, gain maps). Written here because no maintained Python library
rewrites JPEG segments without decoding (Pillow re-encodes; piexif only edits EXIF).
"""

from __future__ import annotations

import struct

from clearpost.engine.media.containers.common import (
    ContainerError,
    Stripped,
    human_size,
    is_standard_icc,
    orientation_tiff,
    sanitize_icc,
    tiff_orientation,
)

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_APP_NAMES = {0xE0: "APP0", 0xE1: "APP1", 0xE2: "APP2", 0xED: "APP13", 0xEE: "APP14"}


def _segment(marker: int, payload: bytes) -> bytes:
    if len(payload) + 2 > 0xFFFF:
        raise ContainerError("segment too large")
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _label(marker: int, payload: bytes) -> str:
    name = _APP_NAMES.get(marker, f"APP{marker - 0xE0}" if 0xE0 <= marker <= 0xEF else "COM")
    ident = payload[:32].split(b"\x00")[0]
    text = ident.decode("latin-1")
    text = text if text.isascii() and text.isprintable() else ""
    return f"JPEG {name} {text}".rstrip() + f" ({human_size(len(payload))})"


def _scan_end(data: bytes, pos: int) -> int:
    """Index of the marker that ends the entropy-coded data starting at pos."""
    n = len(data)
    while True:
        j = data.find(b"\xff", pos)
        if j < 0 or j + 1 >= n:
            raise ContainerError("truncated JPEG: the image data has no end marker")
        nxt = data[j + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:
            pos = j + 2
        elif nxt == 0xFF:
            pos = j + 1
        else:
            return j


def strip_jpeg(data: bytes) -> Stripped:
    if data[:2] != b"\xff\xd8":
        raise ContainerError("not a JPEG (no SOI marker)")
    result = Stripped(b"")
    head: list[bytes] = [b"\xff\xd8"]
    body: list[bytes] = []
    icc_chunks: dict[int, bytes] = {}
    pos, n = 2, len(data)
    saw_frame = False
    while True:
        if pos >= n:
            raise ContainerError("truncated JPEG: no EOI marker")
        if data[pos] != 0xFF:
            raise ContainerError(f"corrupt JPEG: expected a marker at byte {pos}")
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            raise ContainerError("truncated JPEG")
        marker = data[pos]
        pos += 1
        if marker == EOI:
            body.append(b"\xff\xd9")
            break
        if marker in _STANDALONE:
            body.append(bytes((0xFF, marker)))
            continue
        if marker == SOI:
            raise ContainerError("corrupt JPEG: a second SOI inside the image")
        if pos + 2 > n:
            raise ContainerError("truncated JPEG segment header")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > n:
            raise ContainerError("truncated or inconsistent JPEG segment length")
        payload = data[pos + 2 : pos + length]
        pos += length
        if marker == 0xE0 and payload[:5] == b"JFIF\x00" and len(payload) >= 12:
            # Version, density units and density; the thumbnail (if any) is dropped.
            head.insert(1, _segment(0xE0, payload[:12] + b"\x00\x00"))
            if len(payload) > 14:
                result.removed.append(f"JPEG APP0 JFIF thumbnail ({human_size(len(payload) - 14)})")
        elif marker == 0xE1 and payload[:6] == b"Exif\x00\x00":
            tiff = payload[6:]
            result.exif.append(tiff)
            if result.orientation == 1:
                result.orientation = tiff_orientation(tiff)
            result.removed.append(_label(marker, payload))
        elif marker == 0xE2 and payload[:12] == b"ICC_PROFILE\x00" and len(payload) > 14:
            icc_chunks[payload[12]] = payload[14:]
        elif marker == 0xEE and payload[:5] == b"Adobe" and len(payload) >= 12:
            body.append(_segment(0xEE, payload[:12]))
        elif 0xE0 <= marker <= 0xEF or marker == 0xFE:
            result.removed.append(_label(marker, payload))
        elif marker == SOS:
            if not saw_frame:
                raise ContainerError("corrupt JPEG: scan before frame header")
            end = _scan_end(data, pos)
            body.append(_segment(marker, payload) + data[pos:end])
            pos = end
        else:
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                saw_frame = True
            body.append(_segment(marker, payload))
    if not saw_frame:
        raise ContainerError("corrupt JPEG: no frame header")
    if pos < n:
        result.removed.append(f"JPEG data after EOI ({human_size(n - pos)})")
        result.trailing = n - pos
    inserts: list[bytes] = []
    if result.orientation != 1:
        inserts.append(_segment(0xE1, b"Exif\x00\x00" + orientation_tiff(result.orientation)))
    if icc_chunks:
        profile = b"".join(icc_chunks[k] for k in sorted(icc_chunks))
        if is_standard_icc(profile):
            clean = sanitize_icc(profile)
            size = 65519
            parts = [clean[i : i + size] for i in range(0, len(clean), size)]
            for i, part in enumerate(parts, 1):
                inserts.append(_segment(0xE2, b"ICC_PROFILE\x00" + bytes((i, len(parts))) + part))
            result.icc_kept = True
        else:
            result.removed.append(
                f"JPEG APP2 ICC_PROFILE, not a standard profile ({human_size(len(profile))})"
            )
    at = 2 if len(head) > 1 else 1
    head[at:at] = inserts
    result.data = b"".join(head) + b"".join(body)
    return result
