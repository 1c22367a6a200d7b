"""Regenerate src/clearpost/engine/rules.json from the team's rule catalog (shared/RULES.md).

The engine must not read files outside the package at run time (a fresh install has no
shared/ folder), so the catalog is compiled into the package; a test checks it is current.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROW = re.compile(r"^\|\s*([A-Z][A-Z0-9.\-]+)\s*\|(.*)\|\s*$")
SECTION = re.compile(r"^##\s+(\d+)\.\s+(.*)$")


def parse(text: str) -> list[dict[str, str]]:
    rules: list[dict[str, str]] = []
    section = ""
    for line in text.splitlines():
        if m := SECTION.match(line):
            section = m.group(1)
            continue
        m = ROW.match(line)
        if not m or m.group(1) == "ID":
            continue
        cells = [c.strip() for c in m.group(2).split("|")]
        if len(cells) < 3:
            continue
        rules.append(
            {
                "id": m.group(1),
                "section": section,
                "requirement": cells[0],
                "citation": cells[1],
                "check": cells[2],
            }
        )
    return rules


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared" / "RULES.md"
    rules = parse(src.read_text(encoding="utf-8"))
    out = root / "src" / "clearpost" / "engine" / "rules.json"
    out.write_text(json.dumps(rules, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(rules)} rules -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
