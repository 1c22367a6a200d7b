"""GIF: a block walker. Image descriptors, colour tables, LZW data and graphic-control
extensions are copied unchanged; comments, plain-text extensions and application
extensions other than the looping ones (NETSCAPE2.0/ANIMEXTS1.0), such as XMP or ICC,
are removed, as is anything after the trailer.
"""

from __future__ import annotations

from clearpost.engine.media.containers.common import ContainerError, Stripped, human_size

_LOOP_APPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _sub_blocks_end(data: bytes, pos: int) -> int:
    n = len(data)
    while True:
        if pos >= n:
            raise ContainerError("truncated GIF data sub-blocks")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def strip_gif(data: bytes) -> Stripped:
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise ContainerError("not a GIF")
    result = Stripped(b"")
    flags = data[10]
    pos = 13 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
    if pos > len(data):
        raise ContainerError("truncated GIF colour table")
    out: list[bytes] = [data[:pos]]
    n = len(data)
    while True:
        if pos >= n:
            raise ContainerError("truncated GIF: no trailer")
        block = data[pos]
        if block == 0x3B:
            out.append(b"\x3b")
            pos += 1
            break
        if block == 0x2C:  # image descriptor
            if pos + 10 > n:
                raise ContainerError("truncated GIF image descriptor")
            lflags = data[pos + 9]
            start = pos
            pos += 10 + (3 * (2 << (lflags & 7)) if lflags & 0x80 else 0)
            pos += 1  # LZW minimum code size
            pos = _sub_blocks_end(data, pos)
            out.append(data[start:pos])
        elif block == 0x21:
            if pos + 3 > n:
                raise ContainerError("truncated GIF extension")
            label = data[pos + 1]
            start = pos
            end = _sub_blocks_end(data, pos + 2)
            keep = label == 0xF9
            if label == 0xFF and data[pos + 2] == 11:
                keep = data[pos + 3 : pos + 14] in _LOOP_APPS
            if keep:
                out.append(data[start:end])
            else:
                kind = {0xFE: "comment", 0x01: "plain text", 0xFF: "application"}.get(
                    label, "unknown"
                )
                ident = data[pos + 3 : pos + 14].decode("ascii", "replace") if label == 0xFF else ""
                result.removed.append(
                    f"GIF {kind} extension {ident}".rstrip() + f" ({human_size(end - start)})"
                )
            pos = end
        else:
            raise ContainerError(f"corrupt GIF: unknown block 0x{block:02x}")
    if pos < n:
        result.removed.append(f"GIF data after trailer ({human_size(n - pos)})")
        result.trailing = n - pos
    result.data = b"".join(out)
    return result
