from __future__ import annotations

import json
from pathlib import Path

import pytest

from clearpost.engine.media.regions import RegionsError, load_regions, parse_regions

SHA = "ab" * 32


def test_boxes_polygons_and_video_ranges() -> None:
    doc = {
        "version": 1,
        "files": {
            SHA.upper(): {
                "regions": [
                    {"box": [10, 20, 30, 40], "label": "tattoo"},
                    {"polygon": [[0, 0], [10, 0], [5, 8]], "label": "birthmark", "shape": "rect"},
                    {"box": [1, 1, 2, 2], "frames": [5, 9]},
                    {"box": [1, 1, 2, 2], "time": [0.5, 1.5], "shape": "ellipse"},
                ]
            },
            "photos/a.jpg": {"regions": []},
        },
    }
    rf = parse_regions(json.dumps(doc))
    regs = rf.for_file(SHA, "other.jpg")
    assert len(regs) == 4
    assert regs[0].region.box() == (10, 20, 30, 40) and regs[0].label == "tattoo"
    assert regs[2].active(5, 0) and not regs[2].active(10, 0)
    assert regs[3].active(0, 1.0) and not regs[3].active(0, 2.0)
    assert rf.for_file(None, "photos/a.jpg") == ()
    assert rf.for_file("cd" * 32, "nothing.jpg") == ()


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "top level"),
        ('{"files": {}}', "version"),
        ('{"version": 2, "files": {}}', "version"),
        ('{"version": 1, "files": [], "x": 1}', "unknown top-level"),
        ('{"version": 1, "files": {"a": {"regions": [{"box": [1, 2, 3]}]}}}', "box must be"),
        ('{"version": 1, "files": {"a": {"regions": [{"box": [1, 2, 0, 3]}]}}}', "positive"),
        ('{"version": 1, "files": {"a": {"regions": [{"box": [-1, 2, 3, 3]}]}}}', ">= 0"),
        ('{"version": 1, "files": {"a": {"regions": [{"box": [1, 2, 3, "4"]}]}}}', "finite number"),
        ('{"version": 1, "files": {"a": {"regions": [{"polygon": [[1, 2], [3, 4]]}]}}}', "3 to"),
        (
            '{"version": 1, "files": {"a": {"regions": [{"box": [1, 2, 3, 4], "colour": 1}]}}}',
            "unknown keys",
        ),
        ('{"version": 1, "files": {"a": {"regions": [{"label": "x"}]}}}', "exactly one"),
        (
            '{"version": 1, "files": {"a": {"regions": [{"box": [1, 2, 3, 4], "frames": [9, 2]}]}}}',
            "end comes before",
        ),
        (
            '{"version": 1, "files": {"a": {"regions": [{"box": [1, 2, 3, 4], "frames": [1.5, 2]}]}}}',
            "whole frame",
        ),
        (
            '{"version": 1, "files": {"a": {"regions": [{"box": [1, 2, 3, 4], "shape": "star"}]}}}',
            "shape",
        ),
        ('{"version": 1, "files": {"a": {"regions": [{"box": [1, 2, 3, 1e999]}]}}}', "finite"),
    ],
)
def test_invalid_documents_name_the_problem(doc: str, message: str) -> None:
    with pytest.raises(RegionsError, match=message):
        parse_regions(doc)


def test_load_rejects_non_utf8_and_missing(tmp_path: Path) -> None:
    bad = tmp_path / "r.json"
    bad.write_bytes(b"\xff\xfe{")
    with pytest.raises(RegionsError, match="UTF-8"):
        load_regions(bad)
    with pytest.raises(RegionsError, match="cannot read"):
        load_regions(tmp_path / "absent.json")
