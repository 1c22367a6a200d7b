"""WebP: a RIFF chunk walker. VP8/VP8L/ALPH frames and animation chunks are copied
unchanged; EXIF and XMP chunks and unknown chunks are removed, a standard ICCP is kept
with its date zeroed, the VP8X flags are rewritten to match, and the RIFF size is
recomputed (nothing may follow it).
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

_KEEP = {b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF"}
_ICC, _ALPHA, _EXIF, _XMP, _ANIM = 0x20, 0x10, 0x08, 0x04, 0x02


def _chunk(fourcc: bytes, body: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")


def strip_webp(data: bytes) -> Stripped:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ContainerError("not a WebP")
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = 8 + riff_size
    if end > len(data) or riff_size < 4:
        raise ContainerError("truncated WebP (RIFF size larger than the file)")
    result = Stripped(b"")
    pos = 12
    vp8x: bytearray | None = None
    chunks: list[bytes] = []
    while pos < end:
        if pos + 8 > end:
            raise ContainerError("truncated WebP chunk header")
        fourcc = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        body_end = pos + 8 + size
        if body_end > end:
            raise ContainerError("truncated WebP chunk")
        body = data[pos + 8 : body_end]
        if fourcc == b"VP8X":
            if size < 10 or vp8x is not None:
                raise ContainerError("corrupt WebP VP8X chunk")
            vp8x = bytearray(body[:10])
        elif fourcc in _KEEP:
            chunks.append(_chunk(fourcc, body))
        elif fourcc == b"ICCP" and is_standard_icc(body):
            chunks.insert(0, _chunk(b"ICCP", sanitize_icc(body)))
            result.icc_kept = True
        else:
            if fourcc == b"EXIF":
                tiff = body[6:] if body[:6] == b"Exif\x00\x00" else body
                result.exif.append(tiff)
                result.orientation = tiff_orientation(tiff)
            label = fourcc.decode("latin-1").strip()
            result.removed.append(f"WebP {label} chunk ({human_size(size)})")
        pos = body_end + (size & 1)
    if len(data) > end:
        result.removed.append(f"WebP data after RIFF ({human_size(len(data) - end)})")
        result.trailing = len(data) - end
    if not any(c[:4] in (b"VP8 ", b"VP8L", b"ANMF") for c in chunks):
        raise ContainerError("WebP has no image data")
    if vp8x is not None:
        vp8x[0] &= ~(_EXIF | _XMP | _ICC) & 0xFF
        if result.icc_kept:
            vp8x[0] |= _ICC
        if result.orientation != 1:
            vp8x[0] |= _EXIF
            chunks.append(_chunk(b"EXIF", orientation_tiff(result.orientation)))
        chunks.insert(0, _chunk(b"VP8X", bytes(vp8x)))
    else:
        result.orientation = 1  # a simple WebP cannot carry EXIF
        chunks = [c for c in chunks if c[:4] != b"ICCP"]
        result.icc_kept = False
    body = b"WEBP" + b"".join(chunks)
    result.data = b"RIFF" + struct.pack("<I", len(body)) + body
    return result
