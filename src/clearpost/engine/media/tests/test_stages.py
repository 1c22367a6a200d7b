"""The still chain's protocol: injected detector units, and fail-closed stages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from clearpost.engine.media.batch import FileOutcome, collect_inputs, run_one
from clearpost.engine.media.deid import run_still
from clearpost.engine.media.detectors import UNITS, Finding, Scene, default_units
from clearpost.engine.media.encode import load_oriented
from clearpost.engine.media.options import DeidOptions
from clearpost.engine.media.redact import Region, block_size
from clearpost.engine.media.report import SensitiveRegion
from clearpost.engine.media.stages import StillContext
from clearpost.engine.media.still import STILL_CHAIN

BOX = (40, 30, 64, 48)  # x, y, w, h of what the fake detector "finds"


@dataclass
class FakeDetector:
    """A unit found nothing real looks for: a fixed box, redacted, and a flag."""

    name: str = "fake"
    calls: int = 0

    def find(self, scene: Scene) -> list[Finding]:
        self.calls += 1
        assert scene.size == (200, 160)
        return [
            Finding("manual", BOX, "redacted", "fake unit: fixed box", Region.from_box(BOX)),
            Finding(
                "sensitive",
                (0, 0, 10, 10),
                "flagged",
                "fake flag",
                entry=SensitiveRegion((0, 0, 10, 10), "fake flag", 0.5),
                section="sensitive_regions",
            ),
        ]


class BrokenDetector:
    name = "broken"

    def find(self, scene: Scene) -> list[Finding]:
        raise RuntimeError("model file truncated")


@dataclass
class Raising:
    """Stands in for the stage of the same name and raises a plain bug."""

    name: str

    def __call__(self, ctx: StillContext) -> StillContext:
        raise ValueError(f"bug in {self.name}")


@pytest.fixture()
def noise_png(tmp_path: Path) -> Path:
    src = tmp_path / "noise.png"
    rng = np.random.default_rng(11)
    Image.fromarray(rng.integers(60, 200, (160, 200, 3), dtype=np.uint8)).save(src)
    return src


def _process(units: list[object] | None = None, chain: object = STILL_CHAIN) -> object:
    def process(path: Path, options: DeidOptions) -> FileOutcome:
        return run_still(path, options, units=units, chain=chain)  # type: ignore[arg-type]

    return process


def test_injected_detector_drives_redaction_report_and_timing(
    noise_png: Path, tmp_path: Path
) -> None:
    fake = FakeDetector()
    process = _process([fake])
    report = run_one(process, collect_inputs([noise_png])[0], DeidOptions(), tmp_path / "out")  # type: ignore[arg-type]
    assert report.status == "cleared", report.reason
    assert fake.calls == 1
    assert report.faces == [] and report.text_regions == []  # only the injected unit ran
    assert report.sensitive_regions == [SensitiveRegion((0, 0, 10, 10), "fake flag", 0.5)]
    assert "fake_ms" in report.timings_ms
    out, _ = load_oriented(Path(report.output or "").read_bytes())
    src, _ = load_oriented(noise_png.read_bytes())
    x, y, w, h = BOX
    inner = out[y + 2 : y + h - 2, x + 2 : x + w - 2].reshape(-1, 3)
    block = block_size(h, w)
    assert len(np.unique(inner, axis=0)) <= (w // block + 2) * (h // block + 2)  # block means
    assert np.array_equal(out[:, x + w + 8 :], src[:, x + w + 8 :])  # untouched elsewhere


def test_default_units_are_the_registered_ones_in_redaction_order() -> None:
    units = default_units(DeidOptions())
    assert [u.name for u in units] == ["manual", "faces", "text", "sensitive"]
    assert len(units) == len(UNITS)


@pytest.mark.parametrize("stage", [s.name for s in STILL_CHAIN])
def test_a_stage_that_raises_refuses_the_file(noise_png: Path, tmp_path: Path, stage: str) -> None:
    chain = tuple(Raising(s.name) if s.name == stage else s for s in STILL_CHAIN)
    process = _process([FakeDetector()], chain)
    report = run_one(process, collect_inputs([noise_png])[0], DeidOptions(), tmp_path / "out")  # type: ignore[arg-type]
    assert report.status == "refused" and report.output is None
    assert report.reason and f"the {stage} step failed" in report.reason
    assert f"bug in {stage}" in report.reason
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_detector_that_raises_refuses_the_file(noise_png: Path, tmp_path: Path) -> None:
    process = _process([FakeDetector(), BrokenDetector()])
    report = run_one(process, collect_inputs([noise_png])[0], DeidOptions(), tmp_path / "out")  # type: ignore[arg-type]
    assert report.status == "refused" and report.output is None
    assert report.reason and "the detect step failed" in report.reason
    assert "model file truncated" in report.reason


@pytest.mark.parametrize("cut", [1, 3, 6])
def test_a_chain_that_stops_before_verification_writes_nothing(
    noise_png: Path, tmp_path: Path, cut: int
) -> None:
    process = _process([FakeDetector()], STILL_CHAIN[:cut])
    report = run_one(process, collect_inputs([noise_png])[0], DeidOptions(), tmp_path / "out")  # type: ignore[arg-type]
    assert report.status == "refused" and report.output is None
    assert report.reason and "without a verified output" in report.reason
