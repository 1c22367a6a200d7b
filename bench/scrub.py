"""Scrub benchmark: residual metadata and throughput, ClearPost vs `exiftool -all=` vs mat2.

Every tool gets copies of the same inputs (the shipped test data,
src/clearpost/testdata/exiftool-images and mat2-dirty). Every output, whoever wrote it, is read back by ExifTool
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
import os
import resource
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
from clearpost.testdata import corpus_names, corpus_path

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
    # As installed for users: bytecode caches on (some shells here disable them, which
    # would make every worker process recompile every module it imports).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [exe, *cmd[1:]], capture_output=True, text=True, check=False, env=env
    )


def _inputs(corpus: str) -> list[Path]:
    return [corpus_path(rel) for rel in corpus_names(corpus)]


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
        lines = (proc.stdout + proc.stderr).splitlines()
        note = next((ln.strip() for ln in lines if f.name in ln), "")
        note = note.replace(str(c), f.name).replace(str(c.parent) + "/", "")
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


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _time(cmd: list[str], runs: int, clean: Path) -> tuple[float, float]:
    """Median wall time and median CPU time (all descendant processes) of `cmd`."""
    walls, cpus = [], []
    for _ in range(runs):
        shutil.rmtree(clean, ignore_errors=True)
        c0, t0 = _cpu(), time.perf_counter()
        _run(cmd)
        walls.append(time.perf_counter() - t0)
        cpus.append(_cpu() - c0)
    return statistics.median(walls), statistics.median(cpus)


def _throughput(work: Path) -> list[str]:
    src = _throughput_set(work, copies=8)
    n = len(list(src.iterdir()))
    runs = 5
    et_out = work / "tp-exiftool"
    cp_out = work / "tp-clearpost"
    et_cmd = ["exiftool", "-q", "-q", "-all=", "-o", f"{et_out}/", str(src)]
    cp_cmd = [sys.executable, "-m", "clearpost", "scrub", str(src), "--out", str(cp_out),
              "--workers", "2", "--report", str(work / "tp-report.json")]  # fmt: skip
    # Interleaved runs, so that both tools see the same background load.
    et_runs, cp_runs = [], []
    for _ in range(runs):
        et_runs.append(_time(et_cmd, 1, et_out))
        cp_runs.append(_time(cp_cmd, 1, cp_out))
    t_et = statistics.median(w for w, _ in et_runs)
    c_et = statistics.median(c for _, c in et_runs)
    t_cp = statistics.median(w for w, _ in cp_runs)
    c_cp = statistics.median(c for _, c in cp_runs)
    best = min(w / e for (w, _), (e, _) in zip(cp_runs, et_runs, strict=True))
    worst = max(w / e for (w, _), (e, _) in zip(cp_runs, et_runs, strict=True))

    def row(name: str, wall: float, cpu: float) -> str:
        return (
            f"| {name} | {n} | {wall:.2f} s | {1000 * wall / n:.1f} ms | {wall / t_et:.2f} | "
            f"{1000 * cpu / n:.1f} ms | {cpu / c_et:.2f} |"
        )

    rows = [
        row("`exiftool -all=` (one process)", t_et, c_et),
        row(
            "ClearPost `scrub --workers 2` (CLI, incl. start-up; ExifTool re-reads each output)",
            t_cp,
            c_cp,
        ),
    ]
    if shutil.which("mat2"):
        mat_in = work / "tp-mat2"
        walls, cpus = [], []
        for _ in range(1):  # mat2 takes ~40 s per run
            shutil.rmtree(mat_in, ignore_errors=True)
            shutil.copytree(src, mat_in)
            c0, t0 = _cpu(), time.perf_counter()
            _run(["mat2", *map(str, sorted(mat_in.iterdir()))])
            walls.append(time.perf_counter() - t0)
            cpus.append(_cpu() - c0)
        rows.append(row("mat2 (one process)", statistics.median(walls), statistics.median(cpus)))
    report = json.loads((work / "tp-report.json").read_text(encoding="utf-8"))
    cleared = sum(e["status"] == "cleared" for e in report)
    load = os.getloadavg()[0]
    rows.append(
        f"\nWall ratio ClearPost/exiftool per interleaved pair: best {best:.2f}, worst "
        f"{worst:.2f}. ClearPost cleared {cleared} of {n} files in the throughput set. "
        f"Load average when the runs ended: {load:.1f} on {os.cpu_count()} cores."
    )
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
                    cells.append("no output" + (f": {r.note[:90]}" if r.note else ""))
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
        "Stills of both corpora (JPEG, PNG, GIF, WebP, HEIC), 8 copies each; medians of 5 "
        "interleaved runs (mat2: 1 run); CPU = user+system time of the tool and all its "
        "processes. 2 cores shared with other work, so wall figures are noisy.",
        "",
        "| tool | files | wall time | wall per file | wall ratio | CPU per file | CPU ratio |",
        "|---|---|---|---|---|---|---|",
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
