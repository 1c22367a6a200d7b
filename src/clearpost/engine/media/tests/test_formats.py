"""The one formats table: complete for every format the sniffer can return."""

from __future__ import annotations

import pytest

from clearpost.engine.media import containers
from clearpost.engine.media.formats import (
    BY_NAME,
    STILL_FORMATS,
    STRIPPERS,
    TABLE,
    ext_of,
    lookup,
    names,
    redacted_still,
)


@pytest.mark.parametrize("fmt", TABLE, ids=[f.name for f in TABLE])
def test_every_row_is_complete_for_its_handling(fmt: object) -> None:
    from clearpost.engine.media.formats import Format

    assert isinstance(fmt, Format)
    assert fmt.kind in ("still", "raw", "video")
    assert fmt.ext.startswith(".") and fmt.ext == fmt.ext.lower()
    assert (fmt.stripper is not None) == (fmt.handling == "strip")
    if fmt.handling == "refuse":
        assert fmt.why and not fmt.scrubbed and not fmt.redacted
        return
    assert not fmt.why
    # What the scrub step writes is itself a row that a later scrub keeps as it is.
    assert lookup(fmt.scrubbed).handling in ("strip", "remux")
    assert lookup(fmt.scrubbed).kind == ("video" if fmt.kind == "video" else "still")
    if fmt.kind == "video":
        assert fmt.handling in ("remux", "transcode") and fmt.redacted == "mp4"
    else:
        assert fmt.handling in ("strip", "convert", "develop")
        assert fmt.redacted in STILL_FORMATS
        # a redacted still is re-encoded in a format the table knows how to strip
        assert lookup(fmt.redacted).handling == "strip"


@pytest.mark.parametrize("kind", ["still", "raw", "video"])
def test_every_sniffed_kind_has_a_stripper_and_an_output_format(kind: str) -> None:
    rows = [f for f in TABLE if f.kind == kind and f.handling != "refuse"]
    assert rows
    for f in rows:
        assert f.stripper is not None or f.handling in ("convert", "develop", "remux", "transcode")
        assert f.redacted


@pytest.mark.parametrize(
    ("scrubbed_ext", "expected"),
    [
        # The output formats deid used before the table (deid._OUT_FORMAT, png otherwise).
        (".jpg", "jpeg"),
        (".png", "png"),
        (".webp", "webp"),
        (".heic", "heic"),
        (".gif", "png"),
        (".avif", "png"),
    ],
)
def test_redacted_still_format_is_unchanged(scrubbed_ext: str, expected: str) -> None:
    assert redacted_still(scrubbed_ext) == expected
    assert ext_of(expected) == {"jpeg": ".jpg"}.get(expected, f".{expected}")


def test_handling_sets_match_the_former_tables() -> None:
    assert set(STRIPPERS) == {"jpeg", "png", "gif", "webp", "heic", "avif"}
    assert names("convert") == {"tiff", "psd", "bmp", "jp2"}
    assert names("remux") == {"mp4", "mov", "m4v"}
    assert names("transcode") == {"avi", "wmv", "mkv", "webm", "mpegts"}
    assert names("refuse") == {"jxl"}
    assert containers.STRIPPERS is STRIPPERS
    assert len(BY_NAME) == len(TABLE)  # no format listed twice
