"""Peak memory of a `clearpost deid` batch, whatever the order of its files (issue 10).

The batch is [a normal 12 MP photo, a 90 MP photo (the largest `Limits.max_pixels`
allows), a 190 KB PNG declaring 14000x14000 (a decompression bomb, must be refused)],
run in several orders, each order in a fresh process so that the peak (VmHWM, bench/peak.py) is that
batch's own peak (as bench/deid_run.py does for one file). Peak memory must stay under
GOAL_MB in every order, and the bomb must be refused in every order: limits are per
file, never process-wide state.

`BENCH_BASELINE_SRC=<src dir of an older commit>` adds the same batches run with that
source tree (before/after in one run). The child mode, `python -m bench.deid_memory
run FILE...`, processes the files in the order given and prints one JSON line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bench.peak import peak_mb

GOAL_MB = 1536.0
BIG_SIZE = (10_950, 8_200)  # 89.8 MP, just under the 90 MP per-file limit
ORDERS: dict[str, tuple[str, ...]] = {
    "12mp, 90mp, bomb": ("normal", "big", "bomb"),
    "bomb, 90mp, 12mp": ("bomb", "big", "normal"),
    "90mp, bomb, 12mp": ("big", "bomb", "normal"),
}


def bomb_png(side: int = 14_000) -> bytes:
    """A valid PNG header declaring side x side RGB pixels, with a tiny (partial) body."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return len(body).to_bytes(4, "big") + kind + body + crc.to_bytes(4, "big")

    ihdr = side.to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    rows = (b"\x00" + b"\x00" * (side * 3)) * 64
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _big_photo(path: Path) -> None:
    """A 90 MP photo: a 12 MP crowd scene (detail everywhere, faces of every size) set
    in a flat 90 MP studio backdrop. Every whole-image step (decode, orientation, the
    detectors' rotated copies and pyramid levels, redaction, encoding, verification)
    works on all 90 MP, as with any photo of that size; the detectors skip the flat
    tiles, so one run costs minutes of CPU, not a quarter of an hour on shared cores."""
    from .deid_inputs import crowd_photo

    w, h = BIG_SIZE
    scene = path.with_name("mem_scene.jpg")
    crowd_photo(scene, seed=90)
    img = np.full((h, w, 3), (182, 176, 168), np.uint8)
    crowd = np.asarray(Image.open(scene).convert("RGB"), np.uint8)
    y0, x0 = (h - crowd.shape[0]) // 2, (w - crowd.shape[1]) // 2
    img[y0 : y0 + crowd.shape[0], x0 : x0 + crowd.shape[1]] = crowd
    scene.unlink()
    Image.fromarray(img).save(path, quality=92)


def inputs(out_dir: Path) -> dict[str, Path]:
    from .deid_inputs import crowd_photo

    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "normal": out_dir / "mem_12mp.jpg",
        "big": out_dir / "mem_90mp.jpg",
        "bomb": out_dir / "mem_bomb.png",
    }
    if not files["normal"].exists():
        crowd_photo(files["normal"])
    if not files["big"].exists():
        _big_photo(files["big"])
    files["bomb"].write_bytes(bomb_png())
    return files


def _child(paths: list[Path]) -> None:
    from clearpost.engine.media.batch import collect_inputs, run_one
    from clearpost.engine.media.deid import DeidOptions, deid_file

    out = Path(os.environ.get("BENCH_MEMORY_OUT", "/tmp/cp-bench-memory"))  # noqa: S108
    steps = []
    for path in paths:
        report = run_one(deid_file, collect_inputs([path])[0], DeidOptions(), out)
        steps.append(
            {
                "file": path.name,
                "status": report.status,
                "reason": report.reason,
                "peak_mb_so_far": peak_mb(),
            }
        )
    print("BENCH-RESULT " + json.dumps({"steps": steps}), flush=True)


def _run_order(paths: list[Path], out: Path, src: str | None) -> dict[str, Any]:
    env = dict(os.environ, BENCH_MEMORY_OUT=str(out))
    if src:
        env["PYTHONPATH"] = src
    proc = subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "bench.deid_memory", "run", *map(str, paths)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            result: dict[str, Any] = json.loads(line.removeprefix("BENCH-RESULT "))
            return result
    raise RuntimeError(f"memory run failed: {proc.stderr[-2000:]}")


def memory(out_dir: Path) -> tuple[str, dict[str, float]]:
    """The section registered in bench/deid.py's `main` list."""
    files = inputs(out_dir / "memory")
    trees: list[tuple[str, str | None]] = [("this tree", None)]
    if os.environ.get("BENCH_BASELINE_SRC"):
        trees.insert(0, ("baseline", os.environ["BENCH_BASELINE_SRC"]))
    rows = ["| tree | order | peak MB | statuses | bomb refused |", "|---|---|---|---|---|"]
    worst = 0.0
    for tree, src in trees:
        for label, order in ORDERS.items():
            result = _run_order([files[k] for k in order], out_dir / "memory" / "out", src)
            steps = result["steps"]
            peak = max(s["peak_mb_so_far"] for s in steps)
            bomb = next(s for s in steps if s["file"] == files["bomb"].name)
            refused = bomb["status"] == "refused" and "bomb" in (bomb["reason"] or "")
            statuses = ", ".join(f"{s['file']}: {s['status']}" for s in steps)
            rows.append(f"| {tree} | {label} | {peak:.0f} | {statuses} | {refused} |")
            print(f"   {tree} / {label}: {peak:.0f} MB ({statuses})", flush=True)
            if src is None:
                worst = max(worst, peak)
    text = (
        f"Each order in a fresh process (VmHWM, models loaded by the first file). "
        f"Goal: under {GOAL_MB:.0f} MB in every order; the 14000x14000 PNG refused in every "
        f"order. Worst peak of this tree: {worst:.0f} MB.\n\n" + "\n".join(rows) + "\n"
    )
    return text, {"memory_peak_mb": worst}


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"]:
        _child([Path(p) for p in sys.argv[2:]])
    else:
        section, _ = memory(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("bench/out"))
        print(section)
