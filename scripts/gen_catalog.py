"""Regenerate src/clearpost/engine/rules.json from the team's rule catalog (shared/RULES.md).

The engine must not read files outside the package at run time (a fresh install has no
shared/ folder), so the catalog is compiled into the package. `--check` (run by
`make lint`) fails when the compiled copy has fallen behind shared/RULES.md; a clone
with no shared/ beside it has nothing to compare and says so. The test suite checks the
compiled copy itself and the parser, so it needs no file outside the repository.
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


def _shared_rules(root: Path) -> Path | None:
    """shared/RULES.md beside the clone, or beside the worktrees folder."""
    for base in (root.parent, root.parent.parent):
        if (base / "shared" / "RULES.md").is_file():
            return base / "shared" / "RULES.md"
    return None


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    args = [a for a in sys.argv[1:] if a != "--check"]
    src = Path(args[0]) if args else _shared_rules(root)
    out = root / "src" / "clearpost" / "engine" / "rules.json"
    if "--check" in sys.argv:
        if src is None:
            print("catalog check: no shared/RULES.md beside this clone, nothing to compare")
            return 0
        current = json.loads(out.read_text(encoding="utf-8"))
        if parse(src.read_text(encoding="utf-8")) != current:
            print(f"{out} is behind {src}: run scripts/gen_catalog.py", file=sys.stderr)
            return 1
        print(f"catalog check: {len(current)} rules match {src}")
        return 0
    if src is None:
        print("no shared/RULES.md found; pass its path", file=sys.stderr)
        return 2
    rules = parse(src.read_text(encoding="utf-8"))
    out.write_text(json.dumps(rules, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(rules)} rules -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
