from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from clearpost.engine.media.batch import FileOutcome
from clearpost.engine.media.report import Refusal
from clearpost.engine.media.scrub import ScrubOptions, scrub_file
from clearpost.engine.media.verify_metadata import residual_from_tags

from .scrub_helpers import CORPUS, corpus_file, jpeg_with_everything, make_video, pixels

ALL_CORPUS = sorted(
    f"{d.name}/{p.name}"
    for d in (CORPUS / "exiftool-images", CORPUS / "mat2-dirty")
    if d.is_dir()
    for p in d.iterdir()
    if p.name != "SOURCE.md"
)
# Samples whose media data is really there: these must come out cleared.
MUST_CLEAR = {
    "mat2-dirty/dirty.jpg", "mat2-dirty/dirty.png", "mat2-dirty/dirty.gif",
    "mat2-dirty/dirty.webp", "mat2-dirty/dirty.heic", "mat2-dirty/dirty.avif",
    "mat2-dirty/dirty.tiff", "mat2-dirty/dirty.bmp", "mat2-dirty/dirty.mp4",
    "mat2-dirty/dirty.avi", "mat2-dirty/dirty.wmv", "exiftool-images/GPS.jpg",
    "exiftool-images/ExifTool.jpg", "exiftool-images/XMP.jpg", "exiftool-images/IPTC.jpg",
    "exiftool-images/Google.jpg", "exiftool-images/Apple.jpg", "exiftool-images/PNG.png",
    "exiftool-images/GIF.gif", "exiftool-images/RIFF.webp", "exiftool-images/QuickTime.mov",
    "exiftool-images/QuickTime.heic", "exiftool-images/Photoshop.psd",
    "exiftool-images/ExifTool.tif", "exiftool-images/DNG.dng", "exiftool-images/Panasonic.rw2",
}  # fmt: skip
LOSSLESS_PIXELS = {"jpeg", "png", "gif", "webp", "heic", "avif"}


def _exiftool(path: Path) -> dict[str, object]:
    out = subprocess.run(
        ["exiftool", "-j", "-G0:1", "-a", "-u", "-ee", str(path)], capture_output=True, check=True
    ).stdout
    record: dict[str, object] = json.loads(out)[0]
    return record


def _run(path: Path) -> FileOutcome | str:
    try:
        return scrub_file(path, ScrubOptions())
    except Refusal as refusal:
        return refusal.reason


@pytest.mark.parametrize("rel", ALL_CORPUS)
def test_every_corpus_file_is_cleaned_or_refused_with_a_reason(tmp_path: Path, rel: str) -> None:
    src = corpus_file(tmp_path, rel)
    before = src.read_bytes()
    outcome = _run(src)
    assert src.read_bytes() == before  # input never modified
    if isinstance(outcome, str):
        assert rel not in MUST_CLEAR, outcome
        assert outcome.split(":")[0] == "HIPAA-DEID-METADATA" and len(outcome) > 30
        return
    report = outcome.report
    assert report.status == "cleared", report.reason
    assert report.verification is not None and report.verification.passed
    out = tmp_path / f"out{outcome.ext}"
    if outcome.data is not None:
        out.write_bytes(outcome.data)
    else:
        assert outcome.temp_path is not None
        out = outcome.temp_path
    try:
        # Independent reader, run here in the test, not the pipeline's own instance.
        assert residual_from_tags(_exiftool(out)) == []
        if report.format in LOSSLESS_PIXELS:
            try:
                original = pixels(before)
            except Exception:
                return  # a truncated sample: nothing to compare
            assert np.array_equal(original, pixels(out.read_bytes()))
    finally:
        if outcome.temp_path is not None:
            outcome.temp_path.unlink(missing_ok=True)


def test_report_lists_removed_tags_and_provenance(tmp_path: Path) -> None:
    src = tmp_path / "Jane_Patient.jpg"
    src.write_bytes(jpeg_with_everything(orientation=6))
    outcome = scrub_file(src, ScrubOptions())
    report = outcome.report
    assert report.status == "cleared"
    removed = set(report.metadata_removed)
    assert {"EXIF:Make", "EXIF:Artist", "EXIF:GPSLatitudeRef", "File:Comment"} <= removed
    assert any("after EOI" in r for r in removed)
    assert "EXIF:Orientation" not in removed  # kept so the photo stays upright
    assert report.provenance.camera == "PhoneMaker Model X"
    assert report.provenance.edited and any("Facetune" in s for s in report.provenance.edit_signals)
    assert report.width == 64 and report.height == 48


@pytest.mark.parametrize(
    ("name", "fmt_args", "ext"),
    [("clip.mov", ("-c:v", "libx264", "-c:a", "aac"), ".mov"),
     ("clip.mp4", ("-c:v", "libx264", "-c:a", "aac"), ".mp4"),
     ("clip.mkv", ("-c:v", "libx264", "-c:a", "aac"), ".mp4"),
     ("clip.avi", ("-c:v", "mpeg4", "-c:a", "mp3"), ".mp4")],
)  # fmt: skip
def test_video_metadata_dates_and_tracks_are_removed(
    tmp_path: Path, name: str, fmt_args: tuple[str, ...], ext: str
) -> None:
    src = make_video(tmp_path / name, fmt_args=fmt_args)
    tags = _exiftool(src)
    assert any("2024" in str(v) or "Jane" in str(v) for v in tags.values())
    outcome = scrub_file(src, ScrubOptions())
    assert outcome.report.status == "cleared", outcome.report.reason
    assert outcome.temp_path is not None and outcome.ext == ext
    try:
        after = _exiftool(outcome.temp_path)
        flat = json.dumps(after)
        assert "Jane" not in flat and "2024" not in flat and "48.8577" not in flat
        assert residual_from_tags(after) == []
        if name.endswith((".mov", ".mp4")):  # remux: streams copied, not re-encoded
            assert not any("converted" in r for r in outcome.report.metadata_removed)
        else:
            assert any("converted" in r for r in outcome.report.metadata_removed)
    finally:
        outcome.temp_path.unlink(missing_ok=True)


def test_video_data_track_is_dropped(tmp_path: Path) -> None:
    srt = tmp_path / "subs.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nJane Patient, room 4\n", encoding="utf-8")
    src = make_video(
        tmp_path / "with_subs.mp4",
        fmt_args=("-f", "srt", "-i", str(srt), "-map", "0:v", "-map", "1:a", "-map", "2:s",
                  "-c:v", "libx264", "-c:a", "aac", "-c:s", "mov_text"),
    )  # fmt: skip
    outcome = scrub_file(src, ScrubOptions())
    assert outcome.report.status == "cleared"
    assert outcome.temp_path is not None
    try:
        assert b"Jane" not in outcome.temp_path.read_bytes()
        assert any("subtitle" in r for r in outcome.report.metadata_removed)
    finally:
        outcome.temp_path.unlink(missing_ok=True)


def test_truncated_jpeg_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "cut.jpg"
    src.write_bytes(jpeg_with_everything()[:300])
    with pytest.raises(Refusal, match=r"damaged|cannot be read"):
        scrub_file(src, ScrubOptions())


def test_zero_byte_file_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "empty.jpg"
    src.write_bytes(b"")
    with pytest.raises(Refusal, match="empty"):
        scrub_file(src, ScrubOptions())
