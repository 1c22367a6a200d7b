"""Which format a file really is, from its bytes; never from its name or extension.

A wrong extension is common (a HEIC renamed .jpg) and hostile files lie about it on
purpose, so each stripper is chosen from magic bytes. Polyglots (a file that is also a
PDF, ZIP/JAR or HTML page) are refused: whatever we keep of the image, a reader of the
other format could still find a payload in the bytes we were asked to trust.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from clearpost.engine.media.formats import Kind, lookup
from clearpost.engine.media.report import Refusal

__all__ = ["HEAD_BYTES", "Kind", "Sniffed", "polyglot_reason", "sniff_bytes", "sniff_file"]
RULE = "HIPAA-DEID-METADATA"
HEAD_BYTES = 64 * 1024
TAIL_BYTES = 65_557  # largest ZIP end-of-central-directory record with its comment


@dataclass(frozen=True, slots=True)
class Sniffed:
    format: str  # jpeg, png, gif, webp, heic, avif, tiff, dng, nef, ..., mp4, mov, m4v, avi
    kind: Kind
    ext: str  # extension for the output name, with dot, e.g. ".jpg"


_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"mif2"}
_AVIF_BRANDS = {b"avif", b"avis"}
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9",
    b"mp41", b"mp42", b"avc1", b"dash", b"MSNV", b"3gp4", b"3gp5", b"3gp6", b"3g2a",
    b"mmp4", b"XAVC", b"f4v ",
}  # fmt: skip
_M4V_BRANDS = {b"M4V ", b"M4VH", b"M4VP"}
_QT_FIRST_BOXES = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def _from(fmt: str) -> Sniffed:
    row = lookup(fmt)  # kind and extension come from the one formats table
    return Sniffed(fmt, row.kind, row.ext)


def _ftyp_format(head: bytes) -> str | None:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    size = struct.unpack(">I", head[:4])[0]
    end = min(max(size, 16), len(head))
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, end - 3, 4)}
    major = head[8:12]
    if major == b"crx ":
        return "cr3"
    if major in _AVIF_BRANDS or (major not in _HEIF_BRANDS and brands & _AVIF_BRANDS):
        return "avif"
    if major in _HEIF_BRANDS:
        return "avif" if brands & _AVIF_BRANDS and not brands & {b"heic", b"heix"} else "heic"
    if major == b"qt  ":
        return "mov"
    if major in _M4V_BRANDS:
        return "m4v"
    if major in _MP4_BRANDS:
        return "mp4"
    if brands & _HEIF_BRANDS:
        return "heic"
    if brands & _MP4_BRANDS:
        return "mp4"
    if b"qt  " in brands:
        return "mov"
    return None


def _tiff_format(head: bytes) -> str:
    """Tell a plain TIFF from the camera RAW formats built on TIFF, from IFD0."""
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return "orf"
    if head[8:10] == b"CR":
        return "cr2"
    endian = "<" if head[:2] == b"II" else ">"
    try:
        (offset,) = struct.unpack(endian + "I", head[4:8])
        (count,) = struct.unpack(endian + "H", head[offset : offset + 2])
    except struct.error:
        return "tiff"
    make = b""
    raw_hint = False
    for i in range(min(count, 512)):
        entry = head[offset + 2 + 12 * i : offset + 14 + 12 * i]
        if len(entry) < 12:
            break
        tag, typ, n = struct.unpack(endian + "HHI", entry[:8])
        if tag == 0xC612:  # DNGVersion
            return "dng"
        if tag == 0x010F and typ == 2:  # Make
            if n <= 4:
                make = entry[8 : 8 + n]
            else:
                (ptr,) = struct.unpack(endian + "I", entry[8:12])
                make = head[ptr : ptr + min(n, 64)]
        if tag == 0x014A:  # SubIFDs: RAW files keep the sensor data there
            raw_hint = True
        if tag == 0x0106:  # PhotometricInterpretation: CFA or LinearRaw
            (value,) = struct.unpack(endian + "H", entry[8:10])
            raw_hint = raw_hint or value in (32803, 34892)
    make = make.upper()
    if raw_hint:
        for prefix, fmt in ((b"NIKON", "nef"), (b"SONY", "arw"), (b"PENTAX", "pef")):
            if make.startswith(prefix):
                return fmt
        if make:
            return "raw"
    return "tiff"


def sniff_bytes(head: bytes) -> Sniffed:
    """Identify a file from its first bytes (at least a few KiB for TIFF-based RAW)."""
    if not head:
        raise Refusal(RULE, "the file is empty (0 bytes)")
    if head[:3] == b"\xff\xd8\xff":
        return _from("jpeg")
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return _from("png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return _from("gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _from("webp")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return _from("avi")
    if head[:16] == _ASF_GUID:
        return _from("wmv")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return _from("webm" if b"webm" in head[:64] else "mkv")
    if head[:4] == b"8BPS":
        return _from("psd")
    if head[:16] == b"FUJIFILMCCD-RAW ":
        return _from("raf")
    if head[:4] == b"IIU\x00":
        return _from("rw2")
    if head[:4] in (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"MMOR"):
        return _from(_tiff_format(head))
    if head[:2] == b"BM" and len(head) >= 18:
        return _from("bmp")
    if head[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n":
        return _from("jp2")
    if head[:2] == b"\xff\x0a" or head[:12] == b"\x00\x00\x00\x0cJXL \r\n\x87\n":
        return _from("jxl")
    fmt = _ftyp_format(head)
    if fmt:
        return _from(fmt)
    if len(head) >= 8 and head[4:8] in _QT_FIRST_BOXES:
        return _from("mov")
    if len(head) > 376 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return _from("mpegts")
    if len(head) > 392 and head[4] == 0x47 and head[196] == 0x47 and head[388] == 0x47:
        return _from("mpegts")
    raise Refusal(RULE, "not a recognised photo or video format (checked by content, not name)")


_MARKUP = (b"%pdf-", b"<?php", b"<script", b"<html", b"<!doctype html", b"<svg")


def polyglot_reason(head: bytes, tail: bytes, size: int) -> str | None:
    """Why the file is also another format, or None."""
    low = head[:1024].lower()
    for marker in _MARKUP:
        if marker in low:
            return f"the file also contains a {marker.decode().strip('<-?!')} document header"
    pos = tail.rfind(b"PK\x05\x06")
    if pos >= 0 and len(tail) - pos >= 22:
        cd_size, cd_offset = struct.unpack("<II", tail[pos + 12 : pos + 20])
        eocd_abs = size - len(tail) + pos
        start = eocd_abs - cd_size
        rel = start - (size - len(tail))
        if cd_size and 0 <= rel < len(tail) and tail[rel : rel + 4] == b"PK\x01\x02":
            return "the file is also a ZIP archive (a central directory follows the image)"
        if cd_offset < size and cd_size and rel >= 0 and tail[rel : rel + 4] == b"PK\x01\x02":
            return "the file is also a ZIP archive"
    return None


def sniff_file(path: Path) -> Sniffed:
    """Identify a file and refuse polyglots; raises Refusal with a reason."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
            fh.seek(max(0, size - TAIL_BYTES))
            tail = fh.read(TAIL_BYTES)
    except OSError as exc:
        raise Refusal(RULE, f"the file cannot be read ({exc.strerror or exc})") from None
    if size == 0:
        raise Refusal(RULE, "the file is empty (0 bytes)")
    found = sniff_bytes(head)
    why = polyglot_reason(head, tail, size)
    if why:
        raise Refusal(RULE, f"refused as a polyglot: {why}")
    return found
