"""Run every benchmark area, or the ones named: `python -m bench text media`.

Each area is a module `bench/<area>.py` with `main(out_dir: Path) -> str` that runs the
reference tools beside ClearPost on the same inputs and returns a Markdown section;
the sections are written together to docs/benchmarks.md.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

AREAS = ["consent", "text", "scrub", "deid"]


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    out_dir = root / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = argv or AREAS
    sections = []
    for area in wanted:
        try:
            module = importlib.import_module(f"bench.{area}")
        except ModuleNotFoundError:
            continue
        print(f"== {area}", flush=True)
        sections.append(module.main(out_dir))
    doc = root / "docs" / "benchmarks.md"
    header = (
        "# Benchmarks\n\nMeasured on this project's machine kind (2 cores, 24 GiB) by "
        "`make bench`; one area alone: `.venv/bin/python -m bench AREA`.\n\n"
    )
    if not argv:
        doc.write_text(header + "\n\n".join(sections) + "\n", encoding="utf-8")
    else:
        for area, section in zip(wanted, sections, strict=False):
            (out_dir / f"{area}.md").write_text(section, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
