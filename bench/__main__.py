"""Run every benchmark area, or the ones named: `python -m bench text scrub`.

Each area is a module `bench/<area>.py` with `main(out_dir: Path) -> str` that runs the
reference tools beside ClearPost on the same inputs and returns a Markdown section. The
section is written to docs/benchmarks/<area>.md, and docs/benchmarks.md is rebuilt from
every area's latest section, so one area can be re-measured without re-running the rest.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

AREAS = ["consent", "text", "scrub", "deid", "media_library"]
HEADER = """# Benchmarks

Measured on this project's machine kind (2 cores, 24 GiB, shared with other work, so
times are upper bounds) by `make bench`; one area alone: `.venv/bin/python -m bench AREA`
(areas: {areas}). Each section below is the latest run of its area, copied from
`docs/benchmarks/<area>.md`.
"""


def rebuild_index(root: Path) -> None:
    parts = [HEADER.format(areas=", ".join(AREAS))]
    for area in AREAS:
        section = root / "docs" / "benchmarks" / f"{area}.md"
        if section.exists():
            parts.append(section.read_text(encoding="utf-8").strip())
    (root / "docs" / "benchmarks.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    out_dir = root / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    unknown = [a for a in argv if a not in AREAS]
    if unknown:
        print(f"unknown benchmark area(s): {', '.join(unknown)}; choose from {', '.join(AREAS)}")
        return 2
    for area in argv or AREAS:
        module = importlib.import_module(f"bench.{area}")
        print(f"== {area}", flush=True)
        section = module.main(out_dir)
        (root / "docs" / "benchmarks" / f"{area}.md").write_text(
            section.strip() + "\n", encoding="utf-8"
        )
    rebuild_index(root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
