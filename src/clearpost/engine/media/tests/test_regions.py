from __future__ import annotations

import json
import re
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


def _keyframed(keyframes: object, **extra: object) -> str:
    region = {"keyframes": keyframes, **extra}
    return json.dumps({"version": 1, "files": {"a": {"regions": [region]}}})


def test_keyframed_region_interpolates_and_holds_at_the_ends() -> None:
    doc = _keyframed(
        [{"t": 1, "box": [10, 20, 30, 40]}, {"t": 3, "box": [50, 20, 50, 40]}], shape="ellipse"
    )
    (reg,) = parse_regions(doc).for_file(None, "a")
    boxes = {t: r.box() for t in (0, 1, 2, 2.5, 3, 9) if (r := reg.at(0, t)) is not None}
    assert boxes == {
        0: (10, 20, 30, 40),  # held before the first keyframe
        1: (10, 20, 30, 40),
        2: (30, 20, 40, 40),  # half-way: x 10 -> 50, w 30 -> 50
        2.5: (40, 20, 45, 40),
        3: (50, 20, 50, 40),
        9: (50, 20, 50, 40),  # held after the last
    }
    assert reg.at(0, 2).shape == "ellipse"  # type: ignore[union-attr]
    (single,) = parse_regions(_keyframed([{"t": 0, "box": [1, 2, 3, 4]}])).for_file(None, "a")
    assert single.at(7, 5.0).box() == (1, 2, 3, 4)  # type: ignore[union-attr]


def test_a_time_range_still_limits_a_keyframed_region() -> None:
    doc = _keyframed(
        [{"t": 0, "box": [0, 0, 10, 10]}, {"t": 2, "box": [20, 0, 10, 10]}], time=[0.5, 1.5]
    )
    (reg,) = parse_regions(doc).for_file(None, "a")
    assert reg.at(0, 0.2) is None and reg.at(0, 1.8) is None
    assert reg.at(0, 1.0).box() == (10, 0, 10, 10)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("keyframes", "extra", "message"),
    [
        ([], {}, "1 to"),
        ({"t": 0}, {}, "1 to"),
        ([{"t": 0}], {}, "only 't' and 'box'"),
        ([{"t": 0, "box": [1, 1, 2, 2], "x": 1}], {}, "only 't' and 'box'"),
        ([{"t": -1, "box": [1, 1, 2, 2]}], {}, ">= 0"),
        ([{"t": 0, "box": [1, 1, 0, 2]}], {}, "keyframes[0].box width and height"),
        ([{"t": 0, "box": [1, 1, 2]}], {}, "keyframes[0].box must be"),
        (
            [{"t": 1, "box": [1, 1, 2, 2]}, {"t": 1, "box": [1, 1, 2, 2]}],
            {},
            "keyframes[1].t must be later",
        ),
        ([{"t": 0, "box": [1, 1, 2, 2]}], {"box": [1, 1, 2, 2]}, "exactly one"),
    ],
)
def test_bad_keyframes_are_refused_with_the_path(
    keyframes: object, extra: dict[str, object], message: str
) -> None:
    with pytest.raises(RegionsError, match=re.escape(message)):
        parse_regions(_keyframed(keyframes, **extra))
