"""ISO base media file format boxes: HEIF/HEIC/AVIF still images rebuilt losslessly,
and the box-level checks and fixes that follow ffmpeg's remux of MP4/MOV.

For a HEIF still, the output is rebuilt from scratch: `ftyp`, a new `meta` holding only
the primary image, the tiles it is derived from and its alpha plane, and one `mdat`
with exactly those items' bytes (copied unchanged, so the decoded pixels are
identical). Exif and XMP items, thumbnails, depth and gain maps, other images, entity
groups, `free`/`uuid` boxes and any unreferenced byte are gone, because only
referenced extents are copied. Written here because no maintained Python library
edits HEIF item tables without re-encoding (pillow-heif writes a new file from pixels).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from clearpost.engine.media.containers.common import (
    ContainerError,
    Stripped,
    human_size,
    is_standard_icc,
    sanitize_icc,
)

_MAX_ITEMS = 100_000


@dataclass(frozen=True, slots=True)
class Box:
    type: bytes
    start: int
    header: int  # header length (8, or 16 with a 64-bit size)
    end: int

    @property
    def body(self) -> int:
        return self.start + self.header


def iter_boxes(data: bytes, start: int, end: int) -> Iterator[Box]:
    pos = start
    while pos < end:
        if pos + 8 > end:
            raise ContainerError("truncated box header")
        size, btype = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise ContainerError("truncated 64-bit box header")
            (size,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise ContainerError(f"box {btype!r} overruns its parent")
        yield Box(btype, pos, header, pos + size)
        pos += size


def children(data: bytes, box: Box, skip: int = 0) -> list[Box]:
    return list(iter_boxes(data, box.body + skip, box.end))


def _box(btype: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", len(body) + 8, btype) + body


class _Reader:
    def __init__(self, data: bytes, pos: int, end: int) -> None:
        self.data, self.pos, self.end = data, pos, end

    def uint(self, size: int) -> int:
        if size == 0:
            return 0
        if self.pos + size > self.end:
            raise ContainerError("truncated box field")
        value = int.from_bytes(self.data[self.pos : self.pos + size], "big")
        self.pos += size
        return value

    def cstring(self) -> bytes:
        nul = self.data.find(b"\x00", self.pos, self.end)
        if nul < 0:
            raise ContainerError("unterminated string in box")
        s = self.data[self.pos : nul]
        self.pos = nul + 1
        return s


@dataclass(slots=True)
class _Extent:
    offset: int
    length: int


@dataclass(slots=True)
class _Loc:
    item: int
    method: int
    extents: list[_Extent] = field(default_factory=list)


def _parse_iloc(data: bytes, box: Box) -> tuple[int, list[_Loc]]:
    r = _Reader(data, box.body, box.end)
    version = r.uint(1)
    r.uint(3)
    if version > 2:
        raise ContainerError("unsupported iloc version")
    sizes = r.uint(2)
    off_size, len_size, base_size = sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15
    idx_size = sizes & 15 if version in (1, 2) else 0
    if any(s not in (0, 4, 8) for s in (off_size, len_size, base_size, idx_size)):
        raise ContainerError("invalid iloc field sizes")
    count = r.uint(2 if version < 2 else 4)
    if count > _MAX_ITEMS:
        raise ContainerError("too many items")
    locs = []
    for _ in range(count):
        item = r.uint(2 if version < 2 else 4)
        method = r.uint(2) & 15 if version in (1, 2) else 0
        if r.uint(2) != 0:
            raise ContainerError("HEIF items stored in another file are not supported")
        base = r.uint(base_size)
        loc = _Loc(item, method)
        for _ in range(r.uint(2)):
            r.uint(idx_size)
            loc.extents.append(_Extent(base + r.uint(off_size), r.uint(len_size)))
        locs.append(loc)
    return version, locs


def _build_iloc(version: int, locs: list[_Loc], big: bool) -> bytes:
    off = 8 if big else 4
    v = max(version, 1) if any(loc.method for loc in locs) else version
    out = bytearray(struct.pack(">B3s", v, b"\x00\x00\x00"))
    out += struct.pack(">BB", (off << 4) | off, 0)
    out += struct.pack(">H" if v < 2 else ">I", len(locs))
    for loc in locs:
        out += struct.pack(">H" if v < 2 else ">I", loc.item)
        if v in (1, 2):
            out += struct.pack(">H", loc.method)
        out += struct.pack(">HH", 0, len(loc.extents))
        for ext in loc.extents:
            out += ext.offset.to_bytes(off, "big") + ext.length.to_bytes(off, "big")
    return _box(b"iloc", bytes(out))


@dataclass(slots=True)
class _Meta:
    primary: int = 0
    infe: dict[int, tuple[bytes, bytes]] = field(default_factory=dict)  # id -> (type, raw box)
    iinf_version: int = 0
    refs: list[tuple[bytes, int, list[int]]] = field(default_factory=list)
    iref_version: int = 0
    ipma: list[tuple[int, bytes]] = field(default_factory=list)  # (item, raw entry)
    ipma_head: bytes = b""
    ipco: Box | None = None
    prop_of: dict[int, list[int]] = field(default_factory=dict)
    iloc_version: int = 0
    locs: list[_Loc] = field(default_factory=list)
    idat: Box | None = None
    kept_boxes: list[bytes] = field(default_factory=list)  # hdlr, dinf
    removed: list[str] = field(default_factory=list)


def _parse_infe(data: bytes, box: Box) -> tuple[int, bytes]:
    r = _Reader(data, box.body, box.end)
    version = r.uint(1)
    r.uint(3)
    if version < 2:
        item = r.uint(2)
        return item, b"mime"
    item = r.uint(2 if version == 2 else 4)
    r.uint(2)
    item_type = data[r.pos : r.pos + 4]
    if len(item_type) < 4:
        raise ContainerError("truncated infe")
    return item, item_type


def _parse_meta(data: bytes, meta: Box) -> _Meta:
    m = _Meta()
    for b in children(data, meta, skip=4):
        if b.type == b"pitm":
            r = _Reader(data, b.body, b.end)
            version = r.uint(1)
            r.uint(3)
            m.primary = r.uint(2 if version == 0 else 4)
        elif b.type == b"iinf":
            r = _Reader(data, b.body, b.end)
            m.iinf_version = r.uint(1)
            r.uint(3)
            r.uint(2 if m.iinf_version == 0 else 4)
            for e in iter_boxes(data, r.pos, b.end):
                if e.type == b"infe":
                    item, item_type = _parse_infe(data, e)
                    m.infe[item] = (item_type, data[e.start : e.end])
        elif b.type == b"iref":
            r = _Reader(data, b.body, b.end)
            m.iref_version = r.uint(1)
            r.uint(3)
            w = 2 if m.iref_version == 0 else 4
            for ref in iter_boxes(data, r.pos, b.end):
                rr = _Reader(data, ref.body, ref.end)
                src = rr.uint(w)
                targets = [rr.uint(w) for _ in range(rr.uint(2))]
                m.refs.append((ref.type, src, targets))
        elif b.type == b"iprp":
            for p in children(data, b):
                if p.type == b"ipco":
                    m.ipco = p
                elif p.type == b"ipma":
                    _parse_ipma(data, p, m)
        elif b.type == b"iloc":
            m.iloc_version, m.locs = _parse_iloc(data, b)
        elif b.type == b"idat":
            m.idat = b
        elif b.type in (b"hdlr", b"dinf"):
            m.kept_boxes.append(data[b.start : b.end])
        else:
            m.removed.append(
                f"HEIF meta/{b.type.decode('latin-1')} box ({human_size(b.end - b.start)})"
            )
    return m


def _parse_ipma(data: bytes, box: Box, m: _Meta) -> None:
    r = _Reader(data, box.body, box.end)
    version = r.uint(1)
    flags = r.uint(3)
    m.ipma_head = data[box.body : box.body + 4]
    for _ in range(min(r.uint(4), _MAX_ITEMS)):
        start = r.pos
        item = r.uint(2 if version < 1 else 4)
        props = []
        for _ in range(r.uint(1)):
            value = r.uint(2 if flags & 1 else 1)
            props.append(value & (0x7FFF if flags & 1 else 0x7F))
        m.prop_of[item] = props
        m.ipma.append((item, data[start : r.pos]))


def _is_alpha(data: bytes, m: _Meta, item: int) -> bool:
    if m.ipco is None:
        return False
    props = children(data, m.ipco)
    for index in m.prop_of.get(item, []):
        if 1 <= index <= len(props) and props[index - 1].type == b"auxC":
            p = props[index - 1]
            if b"alpha" in data[p.body : p.end] or b"auxid:1" in data[p.body : p.end]:
                return True
    return False


def _keep_set(data: bytes, m: _Meta) -> set[int]:
    keep = {m.primary}
    changed = True
    while changed:
        changed = False
        for rtype, src, targets in m.refs:
            if rtype == b"dimg" and src in keep:
                new = set(targets) - keep
            elif rtype == b"auxl" and keep & set(targets) and src not in keep:
                new = {src} if _is_alpha(data, m, src) else set()
            else:
                new = set()
            if new:
                keep |= new
                changed = True
    return keep


def _clean_ipco(data: bytes, ipco: Box, result: Stripped) -> bytes:
    """Properties keep their order (ipma refers to them by index). An ICC profile in a
    `colr` property is kept with its date zeroed if standard; otherwise the property is
    turned into a `free` box of the same size, which readers skip."""
    out = bytearray(data[ipco.start : ipco.end])
    for p in children(data, ipco):
        if p.type != b"colr" or data[p.body : p.body + 4] not in (b"prof", b"rICC"):
            continue
        profile = data[p.body + 4 : p.end]
        rel = p.start - ipco.start
        if is_standard_icc(profile):
            clean = sanitize_icc(profile)
            out[rel + p.header + 4 : rel + p.header + 4 + len(clean)] = clean
            result.icc_kept = True
        else:
            out[rel + 4 : rel + 8] = b"free"
            out[rel + p.header : rel + (p.end - p.start)] = bytes(p.end - p.body)
            result.removed.append(
                f"HEIF colr ICC profile, not standard ({human_size(len(profile))})"
            )
    return bytes(out)


def strip_heif(data: bytes) -> Stripped:
    result = Stripped(b"")
    top = list(iter_boxes(data, 0, len(data)))
    if not top or top[0].type != b"ftyp":
        raise ContainerError("not an ISO-BMFF image (no ftyp first)")
    metas = [b for b in top if b.type == b"meta"]
    if len(metas) != 1:
        raise ContainerError("a HEIF image needs exactly one meta box")
    if any(b.type == b"moov" for b in top):
        raise ContainerError("HEIF/AVIF image sequences (with a moov box) are not supported")
    m = _parse_meta(data, metas[0])
    result.removed.extend(m.removed)
    if m.primary not in m.infe:
        raise ContainerError("HEIF primary item missing")
    keep = _keep_set(data, m)
    for item, (item_type, _) in sorted(m.infe.items()):
        if item not in keep:
            label = {b"Exif": "Exif", b"mime": "XMP/MIME"}.get(
                item_type, item_type.decode("latin-1").strip()
            )
            result.removed.append(f"HEIF item {item} ({label})")
            loc = next((loc for loc in m.locs if loc.item == item and loc.method == 0), None)
            if loc and loc.extents and item_type in (b"Exif", b"mime"):
                e = loc.extents[0]
                raw = data[e.offset : e.offset + e.length]
                if item_type == b"Exif" and len(raw) > 4:
                    (skip,) = struct.unpack(">I", raw[:4])
                    result.exif.append(raw[4 + skip :])
                elif item_type == b"mime" and b"xmpmeta" in raw:
                    result.xmp.append(raw)
    for b in top:
        if b.type not in (b"ftyp", b"meta", b"mdat"):
            result.removed.append(
                f"top-level {b.type.decode('latin-1')} box ({human_size(b.end - b.start)})"
            )
    # Copy the kept items' bytes into a new mdat (method 0) or idat (method 1).
    file_chunks: list[bytes] = []
    idat_chunks: list[bytes] = []
    new_locs: list[_Loc] = []
    file_pos = idat_pos = 0
    for loc in m.locs:
        if loc.item not in keep:
            continue
        if loc.method not in (0, 1):
            raise ContainerError("HEIF item offsets by reference are not supported")
        new = _Loc(loc.item, loc.method)
        for ext in loc.extents:
            if loc.method == 0:
                src, lim = data, len(data)
                offset = ext.offset
            else:
                if m.idat is None:
                    raise ContainerError("HEIF item in a missing idat")
                src, lim = data, m.idat.end
                offset = m.idat.body + ext.offset
            length = ext.length or (lim - offset)
            if offset < 0 or offset + length > lim:
                raise ContainerError("HEIF item data lies outside the file")
            chunk = src[offset : offset + length]
            if loc.method == 0:
                new.extents.append(_Extent(file_pos, length))
                file_chunks.append(chunk)
                file_pos += length
            else:
                new.extents.append(_Extent(idat_pos, length))
                idat_chunks.append(chunk)
                idat_pos += length
        new_locs.append(new)
    mdat_body = b"".join(file_chunks)
    big = len(data) + 64 >= 1 << 32
    ftyp = data[top[0].start : top[0].end]

    def build_meta(base: int) -> bytes:
        locs = [
            _Loc(
                loc.item,
                loc.method,
                [
                    _Extent(e.offset + (base if loc.method == 0 else 0), e.length)
                    for e in loc.extents
                ],
            )
            for loc in new_locs
        ]
        parts = list(m.kept_boxes)
        pitm = (
            struct.pack(">B3sH", 0, b"\x00\x00\x00", m.primary)
            if m.primary < 1 << 16
            else struct.pack(">B3sI", 1, b"\x00\x00\x00", m.primary)
        )
        parts.append(_box(b"pitm", pitm))
        parts.append(_build_iloc(m.iloc_version, locs, big))
        entries = [m.infe[i][1] for i in sorted(keep) if i in m.infe]
        count = (
            struct.pack(">H", len(entries))
            if m.iinf_version == 0
            else struct.pack(">I", len(entries))
        )
        parts.append(_box(b"iinf", bytes((m.iinf_version, 0, 0, 0)) + count + b"".join(entries)))
        w = ">H" if m.iref_version == 0 else ">I"
        refs = b""
        for rtype, src, targets in m.refs:
            kept_targets = [t for t in targets if t in keep]
            if src in keep and kept_targets:
                body = struct.pack(w, src) + struct.pack(">H", len(kept_targets))
                body += b"".join(struct.pack(w, t) for t in kept_targets)
                refs += _box(rtype, body)
        if refs:
            parts.append(_box(b"iref", bytes((m.iref_version, 0, 0, 0)) + refs))
        if m.ipco is not None:
            ipco = _clean_ipco(data, m.ipco, result)
            entries_ipma = [raw for item, raw in m.ipma if item in keep]
            ipma = _box(
                b"ipma", m.ipma_head + struct.pack(">I", len(entries_ipma)) + b"".join(entries_ipma)
            )
            parts.append(_box(b"iprp", ipco + ipma))
        if idat_chunks:
            parts.append(_box(b"idat", b"".join(idat_chunks)))
        return _box(b"meta", b"\x00\x00\x00\x00" + b"".join(parts))

    meta_len = len(build_meta(0))
    mdat_header = 16 if big else 8
    base = len(ftyp) + meta_len + mdat_header
    meta = build_meta(base)
    if big:
        mdat = struct.pack(">I4sQ", 1, b"mdat", len(mdat_body) + 16) + mdat_body
    else:
        mdat = _box(b"mdat", mdat_body)
    result.data = ftyp + meta + mdat
    return result
