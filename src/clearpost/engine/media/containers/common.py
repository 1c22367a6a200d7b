"""Pieces every container stripper shares: the result type, the error type, a tiny
TIFF/EXIF reader (only orientation and the IFD1 thumbnail are ever needed), the
orientation-only EXIF we write back, and the ICC profile policy.

The stripped output keeps exactly one piece of EXIF, the orientation, so that a
portrait photo still displays upright without re-encoding its pixels.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field


class ContainerError(Exception):
    """The file's structure is broken (truncated, inconsistent sizes, bad checksum)."""


@dataclass(slots=True)
class Stripped:
    data: bytes
    removed: list[str] = field(default_factory=list)  # what went, e.g. "APP1 Exif (2 kB)"
    orientation: int = 1
    exif: list[bytes] = field(default_factory=list)  # raw TIFF payloads seen (provenance)
    icc_kept: bool = False
    trailing: int = 0  # bytes found after the container's end marker


def human_size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} kB"


def _ifd_entries(tiff: bytes, offset: int, endian: str) -> dict[int, tuple[int, int, bytes]]:
    """tag -> (type, count, 4-byte value field) of one IFD; empty on any inconsistency."""
    out: dict[int, tuple[int, int, bytes]] = {}
    if offset < 8 or offset + 2 > len(tiff):
        return out
    (count,) = struct.unpack(endian + "H", tiff[offset : offset + 2])
    for i in range(min(count, 1024)):
        start = offset + 2 + 12 * i
        entry = tiff[start : start + 12]
        if len(entry) < 12:
            break
        tag, typ, n = struct.unpack(endian + "HHI", entry[:8])
        out[tag] = (typ, n, entry[8:12])
    return out


def _endian(tiff: bytes) -> str | None:
    if len(tiff) < 8:
        return None
    if tiff[:4] == b"II*\x00":
        return "<"
    if tiff[:4] == b"MM\x00*":
        return ">"
    return None


def tiff_orientation(tiff: bytes) -> int:
    """EXIF orientation (1..8) from a TIFF-structured EXIF payload; 1 when absent/bad."""
    endian = _endian(tiff)
    if endian is None:
        return 1
    (ifd0,) = struct.unpack(endian + "I", tiff[4:8])
    entry = _ifd_entries(tiff, ifd0, endian).get(0x0112)
    if entry is None or entry[0] != 3:
        return 1
    (value,) = struct.unpack(endian + "H", entry[2][:2])
    return value if 1 <= value <= 8 else 1


def tiff_thumbnail(tiff: bytes) -> bytes | None:
    """The JPEG thumbnail that IFD1 points at, if any (provenance compares it)."""
    endian = _endian(tiff)
    if endian is None:
        return None
    (ifd0,) = struct.unpack(endian + "I", tiff[4:8])
    if ifd0 + 2 > len(tiff):
        return None
    (count,) = struct.unpack(endian + "H", tiff[ifd0 : ifd0 + 2])
    nxt = ifd0 + 2 + 12 * count
    if nxt + 4 > len(tiff):
        return None
    (ifd1,) = struct.unpack(endian + "I", tiff[nxt : nxt + 4])
    entries = _ifd_entries(tiff, ifd1, endian)
    if 0x0201 not in entries or 0x0202 not in entries:
        return None
    (off,) = struct.unpack(endian + "I", entries[0x0201][2])
    (length,) = struct.unpack(endian + "I", entries[0x0202][2])
    thumb = tiff[off : off + length]
    return thumb if thumb[:2] == b"\xff\xd8" and len(thumb) == length else None


def orientation_tiff(orientation: int) -> bytes:
    """A minimal big-endian TIFF/EXIF body holding only IFD0 Orientation."""
    return (
        b"MM\x00*"
        + struct.pack(">I", 8)
        + struct.pack(">H", 1)
        + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
        + struct.pack(">I", 0)
    )


# ICC profiles: standard colour spaces are kept (colour stays faithful); their header
# date and profile ID are zeroed because a profile generated on export (lcms, GIMP)
# stamps the export time. Anything else (device or custom profiles, whose text can
# name a device or a person) is removed.
_STANDARD_ICC_NAMES = (
    "srgb",
    "display p3",
    "adobe rgb",
    "prophoto",
    "rec. 2020",
    "rec.2020",
    "bt.2020",
    "itur_2100",
    "dci-p3",
    "p3 d65",
    "generic rgb",
    "generic gray",
    "gray gamma",
    "dot gain",
    "linear rgb",
    "colormatch",
    "apple rgb",
    "ecirgb",
    "rec. 709",
    "rec.709",
    "bt.709",
    "swop",
    "fogra",
    "gracol",
    "coated",
    "japan color",
)


def icc_description(profile: bytes) -> str | None:
    """The profile's 'desc' text (v2 'desc' or v4 'mluc'), or None."""
    if len(profile) < 132:
        return None
    (count,) = struct.unpack(">I", profile[128:132])
    for i in range(min(count, 256)):
        start = 132 + 12 * i
        if start + 12 > len(profile):
            return None
        sig, off, size = struct.unpack(">4sII", profile[start : start + 12])
        if sig != b"desc":
            continue
        body = profile[off : off + size]
        if body[:4] == b"desc" and len(body) >= 12:
            (n,) = struct.unpack(">I", body[8:12])
            return body[12 : 12 + n].split(b"\x00")[0].decode("latin-1", "replace")
        if body[:4] == b"mluc" and len(body) >= 28:
            rec_len, rec_off = struct.unpack(">II", body[20:28])
            return body[rec_off : rec_off + rec_len].decode("utf-16-be", "replace")
    return None


def is_standard_icc(profile: bytes) -> bool:
    if len(profile) < 132 or profile[36:40] != b"acsp":
        return False
    if profile[12:16] not in (b"mntr", b"spac", b"prtr") or profile[16:20] not in (
        b"RGB ",
        b"GRAY",
        b"CMYK",
    ):
        return False
    desc = (icc_description(profile) or "").lower()
    return any(name in desc for name in _STANDARD_ICC_NAMES)


def sanitize_icc(profile: bytes) -> bytes:
    """Zero the creation date (bytes 24-35) and the profile ID (84-99); colour unchanged."""
    return profile[:24] + b"\x00" * 12 + profile[36:84] + b"\x00" * 16 + profile[100:]
