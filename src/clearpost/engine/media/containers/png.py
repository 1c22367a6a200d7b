"""PNG (and APNG): a chunk walker that keeps only what rendering needs.

Image data chunks are copied byte for byte (pixels identical). Kept: IHDR, PLTE,
IDAT, IEND, transparency, colour (gAMA, cHRM, sRGB, cICP, mDCV, cLLI, sBIT, a standard
iCCP with its date zeroed), pHYs, bKGD and the APNG animation chunks. Removed: tEXt,
zTXt, iTXt (XMP, comments, software, authors), tIME, eXIf (orientation is written back
alone), every private or unknown chunk, and any byte after IEND.
"""

from __future__ import annotations

import struct
import zlib

from clearpost.engine.media.containers.common import (
    ContainerError,
    Stripped,
    human_size,
    is_standard_icc,
    orientation_tiff,
    sanitize_icc,
    tiff_orientation,
)

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"cICP",
    b"mDCV", b"cLLI", b"sBIT", b"pHYs", b"bKGD", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip
_MAX_ICC = 16 * 1024 * 1024


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def _clean_iccp(body: bytes) -> bytes | None:
    """A sanitized iCCP chunk body if the profile is standard, else None."""
    name_end = body.find(b"\x00")
    if name_end < 1 or name_end > 79 or len(body) < name_end + 2 or body[name_end + 1] != 0:
        return None
    try:
        d = zlib.decompressobj()
        profile = d.decompress(body[name_end + 2 :], _MAX_ICC)
    except zlib.error:
        return None
    if not is_standard_icc(profile):
        return None
    return b"ICC Profile\x00\x00" + zlib.compress(sanitize_icc(profile), 9)


def strip_png(data: bytes) -> Stripped:
    if data[:8] != SIGNATURE:
        raise ContainerError("not a PNG (bad signature)")
    result = Stripped(b"")
    out: list[bytes] = [SIGNATURE]
    pos, n = 8, len(data)
    first = True
    while True:
        if pos + 8 > n:
            raise ContainerError("truncated PNG: no IEND chunk")
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > n:
            raise ContainerError("truncated PNG chunk")
        if not ctype.isalpha():
            raise ContainerError("corrupt PNG: invalid chunk type")
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(ctype + body) != crc:
            raise ContainerError(f"corrupt PNG: checksum mismatch in {ctype.decode()} chunk")
        if first and ctype != b"IHDR":
            raise ContainerError("corrupt PNG: IHDR is not the first chunk")
        first = False
        if ctype in _KEEP:
            out.append(data[pos:end])
        elif ctype == b"iCCP":
            clean = _clean_iccp(body)
            if clean is None:
                result.removed.append(f"PNG iCCP, not a standard profile ({human_size(length)})")
            else:
                out.append(_chunk(b"iCCP", clean))
                result.icc_kept = True
        else:
            if ctype == b"eXIf":
                result.exif.append(body)
                result.orientation = tiff_orientation(body)
            result.removed.append(f"PNG {ctype.decode('ascii')} chunk ({human_size(length)})")
        pos = end
        if ctype == b"IEND":
            break
    if pos < n:
        result.removed.append(f"PNG data after IEND ({human_size(n - pos)})")
        result.trailing = n - pos
    if result.orientation != 1:
        out.insert(2, _chunk(b"eXIf", orientation_tiff(result.orientation)))
    result.data = b"".join(out)
    return result
