"""Fuzz the container parsers: any byte string gives a result or a ContainerError /
Refusal, never another exception, a hang or a crash. Bounded for CI."""

from __future__ import annotations

import contextlib
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from clearpost.engine.media.containers import STRIPPERS, ContainerError
from clearpost.engine.media.containers.common import (
    icc_description,
    is_standard_icc,
    tiff_orientation,
    tiff_thumbnail,
)
from clearpost.engine.media.report import Refusal
from clearpost.engine.media.sniff import polyglot_reason, sniff_bytes

from .scrub_helpers import gradient, jpeg_with_everything, png_with_everything


def _seed(fmt: str) -> bytes:
    if fmt == "jpeg":
        return jpeg_with_everything()
    if fmt == "png":
        return png_with_everything()
    buf = io.BytesIO()
    img = gradient(16, 16)
    if fmt == "gif":
        img.convert("P").save(buf, "GIF", comment=b"x")
    elif fmt == "webp":
        img.save(buf, "WEBP", exif=b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00")
    else:
        import pillow_heif

        pillow_heif.register_heif_opener()
        img.save(buf, "HEIF", quality=50)
    return buf.getvalue()


SEEDS = {fmt: _seed(fmt) for fmt in ("jpeg", "png", "gif", "webp", "heic")}
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _mutate(seed: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    data = bytearray(seed)
    for pos, value in edits:
        data[pos % len(data)] = value
    return bytes(data[: max(1, cut % (len(data) + 1))])


def _check(fmt: str, data: bytes) -> None:
    try:
        result = STRIPPERS[fmt](data)
    except ContainerError:
        return
    assert isinstance(result.data, bytes)
    again = STRIPPERS[fmt](result.data)  # a stripped file parses again
    assert again.data == result.data


edits = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=8)


@FUZZ
@given(edits=edits, cut=st.integers(0, 1 << 20), fmt=st.sampled_from(sorted(SEEDS)))
def test_mutated_files_never_crash_the_strippers(
    edits: list[tuple[int, int]], cut: int, fmt: str
) -> None:
    _check(fmt, _mutate(SEEDS[fmt], edits, cut))


@FUZZ
@given(data=st.binary(max_size=512), fmt=st.sampled_from(sorted(SEEDS)))
def test_random_bytes_never_crash_the_strippers(data: bytes, fmt: str) -> None:
    _check(fmt, data)


@FUZZ
@given(data=st.binary(max_size=256))
def test_sniffing_random_bytes_gives_a_format_or_a_refusal(data: bytes) -> None:
    with contextlib.suppress(Refusal):
        sniff_bytes(data)
    polyglot_reason(data, data, len(data))


@FUZZ
@given(data=st.binary(max_size=256))
def test_exif_and_icc_readers_never_crash(data: bytes) -> None:
    for prefix in (b"II*\x00", b"MM\x00*", b""):
        tiff = prefix + data
        assert 1 <= tiff_orientation(tiff) <= 8
        thumb = tiff_thumbnail(tiff)
        assert thumb is None or thumb.startswith(b"\xff\xd8")
    is_standard_icc(data)
    icc_description(data)


def test_seeds_are_valid_images() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    for data in SEEDS.values():
        with Image.open(io.BytesIO(data)) as img:
            img.load()
