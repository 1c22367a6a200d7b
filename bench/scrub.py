"""Scrub benchmark: residual metadata and throughput, ClearPost vs `exiftool -all=` vs mat2.

Every tool gets copies of the same inputs (shared/corpus/exiftool-images and
shared/corpus/mat2-dirty). Every output, whoever wrote it, is read back by ExifTool
with the same allow-list ClearPost's verifier uses (engine/media/verify_metadata.py):
a tag counts as residual unless it only describes structure (size, codec, colour),
dates count unless zeroed. Embedded images and trailing bytes are counted apart.
Pixels are compared decoded (RGBA) against the input for every still output.

Run: `.venv/bin/python -m bench scrub` (needs exiftool, ffmpeg; mat2 from
scripts/system-deps-bench.sh, skipped with a note when absent).
"""

from __future__ import annotations

import io
import json
import math
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clearpost.engine.media.batch import run_batch
from clearpost.engine.media.containers import STRIPPERS, ContainerError
from clearpost.engine.media.exiftool import ExifTool
from clearpost.engine.media.report import Refusal
from clearpost.engine.media.scrub import ScrubOptions, scrub_file
from clearpost.engine.media.sniff import sniff_bytes
from clearpost.engine.media.verify_metadata import residual_from_tags

ROOT = Path(__file__).resolve().parent.parent
# shared/ sits beside the repository (CI, main); a worktree sits one level deeper.
CORPUS = next(
    (p / "shared" / "corpus" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()),
    ROOT.parent / "shared" / "corpus",
)
CORPORA = ("exiftool-images", "mat2-dirty")
TOOLS = ("clearpost", "exiftool -all=", "mat2")
STILLS = {"jpeg", "png", "gif", "webp", "heic", "avif", "tiff", "bmp", "psd"}


@dataclass
class Result:
    file: str
    tool: str
    output: Path | None = None
    note: str = ""
    residual: list[str] = field(default_factory=list)
    embedded: int = 0
    trailing: int = 0
    pixels: str = "n/a"  # "identical", "PSNR 36.2 dB", "size differs", "n/a"

    @property
    def identifying(self) -> int:
        return len([r for r in self.residual if not r.startswith(("embedded", "trailing"))])


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a reference tool by its resolved path (fixed argv, no shell)."""
    exe = shutil.which(cmd[0]) or cmd[0]
    return subprocess.run([exe, *cmd[1:]], capture_output=True, text=True, check=False)  # noqa: S603


def _inputs(corpus: str) -> list[Path]:
    return sorted(p for p in (CORPUS / corpus).iterdir() if p.name != "SOURCE.md")


def _decode(data: bytes) -> np.ndarray | None:
    try:
        import pillow_heif
        from PIL import Image

        pillow_heif.register_heif_opener()
        with Image.open(io.BytesIO(data)) as img:
            return np.asarray(img.convert("RGBA"))
    except Exception:
        return None


def _pixels(src: bytes, out: bytes) -> str:
    a, b = _decode(src), _decode(out)
    if a is None or b is None:
        return "n/a"
    if a.shape != b.shape:
        return "size differs"
    if np.array_equal(a, b):
        return "identical"
    mse = float(np.mean((a[..., :3].astype(np.float64) - b[..., :3].astype(np.float64)) ** 2))
    return f"PSNR {10 * math.log10(255**2 / mse):.1f} dB" if mse else "identical (alpha differs)"


def _trailing(data: bytes) -> int:
    try:
        fmt = sniff_bytes(data[:65536]).format
        return STRIPPERS[fmt](data).trailing if fmt in STRIPPERS else 0
    except (Refusal, ContainerError):
        return 0


def _judge(result: Result, src: Path, reader: ExifTool) -> None:
    if result.output is None or not result.output.is_file():
        result.output = None
        return
    tags = reader.read(result.output, "-ee")
    result.residual = residual_from_tags(tags)
    result.embedded = sum(r.startswith("embedded") for r in result.residual)
    data = result.output.read_bytes()
    result.trailing = _trailing(data)
    try:
        fmt = sniff_bytes(src.read_bytes()[:65536]).format
    except Refusal:
        fmt = "?"
    if fmt in STILLS:
        result.pixels = _pixels(src.read_bytes(), data)


def _run_clearpost(files: list[Path], work: Path) -> list[Result]:
    reports = run_batch(files, work / "out", scrub_file, ScrubOptions(), workers=2, progress=False)
    out = []
    for f, r in zip(files, reports, strict=True):
        out.append(
            Result(f.name, "clearpost", Path(r.output) if r.output else None, r.reason or "")
        )
    return out


def _copy_inputs(files: list[Path], dst: Path) -> list[Path]:
    dst.mkdir(parents=True, exist_ok=True)
    copies = []
    for f in files:
        c = dst / f.name
        shutil.copyfile(f, c)
        copies.append(c)
    return copies


def _run_exiftool(files: list[Path], work: Path) -> list[Result]:
    copies = _copy_inputs(files, work / "in")
    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)
    proc = _run(["exiftool", "-all=", "-o", f"{out}/", *map(str, copies)])
    errors: dict[str, str] = {}
    for line in proc.stderr.splitlines():
        for f in files:
            if f.name in line and line.startswith(("Error", "Warning")):
                errors.setdefault(f.name, line.split(" - ")[0].strip())
    return [
        Result(f.name, "exiftool -all=", out / f.name if (out / f.name).is_file() else None,
               errors.get(f.name, ""))
        for f in files
    ]  # fmt: skip


def _run_mat2(files: list[Path], work: Path) -> list[Result]:
    copies = _copy_inputs(files, work / "in")
    proc = _run(["mat2", *map(str, copies)])
    results = []
    for f, c in zip(files, copies, strict=True):
        cleaned = c.with_name(f"{c.stem}.cleaned{c.suffix}")
        note = next(
            (ln.strip() for ln in (proc.stdout + proc.stderr).splitlines() if f.name in ln), ""
        )
        results.append(Result(f.name, "mat2", cleaned if cleaned.is_file() else None, note))
    return results


def _summary_rows(results: dict[str, list[Result]], n_files: int) -> list[str]:
    rows = []
    for tool, res in results.items():
        written = [r for r in res if r.output is not None]
        dirty = [r for r in written if r.identifying]
        px = [r.pixels for r in written if r.pixels != "n/a"]
        same = sum(p.startswith("identical") for p in px)
        psnr = [float(p.split()[1]) for p in px if p.startswith("PSNR")]
        rows.append(
            f"| {tool} | {n_files} | {len(written)} | {n_files - len(written)} | {len(dirty)} | "
            f"{sum(r.identifying for r in written)} | {sum(r.embedded for r in written)} | "
            f"{sum(r.trailing for r in written)} | {same}/{len(px)} | "
            f"{(f'{statistics.mean(psnr):.1f} dB' if psnr else '-')} |"
        )
    return rows


def _throughput_set(work: Path, copies: int) -> Path:
    src = work / "tp-in"
    src.mkdir(parents=True, exist_ok=True)
    for corpus in CORPORA:
        for f in _inputs(corpus):
            try:
                fmt = sniff_bytes(f.read_bytes()[:65536]).format
            except Refusal:
                continue
            if fmt in ("jpeg", "png", "gif", "webp", "heic"):
                for i in range(copies):
                    shutil.copyfile(f, src / f"{i}-{f.name}")
    return src


def _time(cmd: list[str], runs: int, clean: Path) -> float:
    times = []
    for _ in range(runs):
        shutil.rmtree(clean, ignore_errors=True)
        t0 = time.perf_counter()
        _run(cmd)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _throughput(work: Path) -> list[str]:
    src = _throughput_set(work, copies=8)
    n = len(list(src.iterdir()))
    runs = 3
    rows = []
    et_out = work / "tp-exiftool"
    t_et = _time(["exiftool", "-q", "-q", "-all=", "-o", f"{et_out}/", str(src)], runs, et_out)
    cp_out = work / "tp-clearpost"
    cp_cmd = [sys.executable, "-m", "clearpost", "scrub", str(src), "--out", str(cp_out),
              "--workers", "2", "--report", str(work / "tp-report.json")]  # fmt: skip
    t_cp = _time(cp_cmd, runs, cp_out)
    per = 1000 * t_et / n
    rows.append(
        f"| `exiftool -all=` (one process, batch) | {n} | {t_et:.2f} s | {per:.1f} ms | 1.00 |"
    )
    rows.append(
        f"| ClearPost `scrub --workers 2` (CLI, incl. start-up and per-file exiftool verification) "
        f"| {n} | {t_cp:.2f} s | {1000 * t_cp / n:.1f} ms | {t_cp / t_et:.2f} |"
    )
    if shutil.which("mat2"):
        mat_in = work / "tp-mat2"

        def mat2_once() -> float:
            shutil.rmtree(mat_in, ignore_errors=True)
            shutil.copytree(src, mat_in)
            t0 = time.perf_counter()
            _run(["mat2", *map(str, sorted(mat_in.iterdir()))])
            return time.perf_counter() - t0

        t_m = statistics.median(mat2_once() for _ in range(runs))
        per = 1000 * t_m / n
        rows.append(f"| mat2 (one process) | {n} | {t_m:.2f} s | {per:.1f} ms | {t_m / t_et:.2f} |")
    report = json.loads((work / "tp-report.json").read_text(encoding="utf-8"))
    cleared = sum(e["status"] == "cleared" for e in report)
    rows.append(f"\nClearPost cleared {cleared} of {n} files in the throughput set.")
    return rows


def main(out_dir: Path) -> str:
    work = out_dir / "scrub"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    reader = ExifTool()
    have_mat2 = shutil.which("mat2") is not None
    lines = ["## Scrubbing (`clearpost scrub`)", ""]
    lines.append(
        "Residual metadata after each tool, read back by ExifTool "
        f"{reader.execute('-ver').decode().strip()} with ClearPost's allow-list "
        "(a tag is residual unless it only describes structure; dates count unless zeroed). "
        "`written` = outputs produced; `no output` = refused or failed (ClearPost always gives a "
        "reason in its report). Pixels: decoded RGBA compared with the input, stills only."
    )
    lines.append("")
    details: list[str] = []
    for corpus in CORPORA:
        files = _inputs(corpus)
        results: dict[str, list[Result]] = {}
        results["clearpost"] = _run_clearpost(files, work / corpus / "clearpost")
        results["exiftool -all="] = _run_exiftool(files, work / corpus / "exiftool")
        if have_mat2:
            results["mat2"] = _run_mat2(files, work / corpus / "mat2")
        for res in results.values():
            for r, f in zip(res, files, strict=True):
                _judge(r, f, reader)
        lines += [
            f"### {corpus} ({len(files)} files)",
            "",
            "| tool | files | written | no output | files with residual tags | residual tags | "
            "embedded images | trailing bytes | pixels identical | mean PSNR when not |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *_summary_rows(results, len(files)),
            "",
        ]
        details += [f"### {corpus}", "", "| file | " + " | ".join(results) + " |",
                    "|---|" + "---|" * len(results)]  # fmt: skip
        for i, f in enumerate(files):
            cells = []
            for res in results.values():
                r = res[i]
                if r.output is None:
                    cells.append("no output" + (f": {r.note[:70]}" if r.note else ""))
                else:
                    bits = [f"{r.identifying} tags"] + (
                        [f"{r.embedded} images"] if r.embedded else []
                    )
                    bits += [f"{r.trailing} B trailing"] if r.trailing else []
                    bits += [r.pixels] if r.pixels != "n/a" else []
                    cells.append(", ".join(bits))
            details.append(f"| {f.name} | " + " | ".join(c.replace("|", "/") for c in cells) + " |")
        details.append("")
        (work / f"{corpus}-residual.json").write_text(
            json.dumps({t: [{"file": r.file, "residual": r.residual, "note": r.note} for r in res]
                        for t, res in results.items()}, indent=1),
            encoding="utf-8",
        )  # fmt: skip
    if not have_mat2:
        lines.append(
            "mat2 is not installed (scripts/system-deps-bench.sh installs it): "
            "its column is missing.\n"
        )
    lines += [
        "### Throughput (stills, batch)",
        "",
        "Stills of both corpora (JPEG, PNG, GIF, WebP, HEIC), 8 copies each; median of 3 runs; "
        "2 cores shared with other work, so figures are noisy.",
        "",
        "| tool | files | wall time | per file | ratio to exiftool |",
        "|---|---|---|---|---|",
        *_throughput(work),
        "",
        "### Per-file detail",
        "",
        *details,
        "Reproduce: `.venv/bin/python -m bench scrub` (writes bench/out/scrub.md; the full "
        "residual lists are in bench/out/scrub/*-residual.json).",
    ]
    reader.close()
    return "\n".join(lines) + "\n"
