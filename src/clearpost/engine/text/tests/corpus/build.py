"""Turn the hand-written, marked-up corpus (source.txt) into dev.jsonl with gold spans.

Run from the repository root: `.venv/bin/python -m clearpost.engine.text.tests.corpus.build`.
The test suite checks that dev.jsonl is in sync with source.txt.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CODES = {
    "N": "PHI_NAME",
    "D": "PHI_DATE",
    "C": "PHI_CONTACT",
    "L": "PHI_LOCATION",
    "I": "PHI_ID",
    "H": "PHI_HANDLE",
    "A": "PHI_AGE",
}
_SPAN = re.compile(r"\[([NDCLIHA]):([^\]]+)\]")


# Blind sets and the practice whose voice they are written in (a line's own "@practice"
# still wins). Their profiles are the *_practice.toml files beside this module.
BLIND_SETS = {"blind6.txt": "luma", "blind7.txt": "hartwell", "blind8.txt": "summit"}


def parse_line(line: str, number: int, default_practice: str = "us") -> dict[str, Any]:
    head, decision, cats, marked = (p.strip() for p in re.split(r"\s*\|\s*", line, maxsplit=3))
    kind, _, practice = head.partition("@")
    spans: list[dict[str, Any]] = []
    text_parts: list[str] = []
    pos = 0
    cursor = 0
    for m in _SPAN.finditer(marked):
        text_parts.append(marked[cursor : m.start()])
        pos += m.start() - cursor
        value = m.group(2)
        spans.append({"category": CODES[m.group(1)], "start": pos, "end": pos + len(value)})
        text_parts.append(value)
        pos += len(value)
        cursor = m.end()
    text_parts.append(marked[cursor:])
    text = "".join(text_parts)
    for s in spans:
        s["text"] = text[s["start"] : s["end"]]
    # "-" or "none" is how some writers mark "no non-PHI category".
    named = {c.strip() for c in cats.split(",")} - {"", "-", "none", "None"}
    categories = sorted(named | {s["category"] for s in spans})
    return {
        "id": f"t{number:03d}",
        "kind": kind,
        "practice": practice.strip() or default_practice,
        "text": text,
        "decision": decision,
        "categories": categories,
        "spans": spans,
    }


def build(source: str = "source.txt") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    default = BLIND_SETS.get(source, "us")
    for line in (HERE / source).read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(parse_line(line, len(rows) + 1, default))
    return rows


def render(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


if __name__ == "__main__":
    (HERE / "dev.jsonl").write_text(render(build()), encoding="utf-8")
    (HERE / "holdout.jsonl").write_text(render(build("holdout.txt")), encoding="utf-8")
    (HERE / "holdout2.jsonl").write_text(render(build("holdout2.txt")), encoding="utf-8")
    (HERE / "holdout3.jsonl").write_text(render(build("holdout3.txt")), encoding="utf-8")
    (HERE / "holdout4.jsonl").write_text(render(build("holdout4.txt")), encoding="utf-8")
    (HERE / "holdout5.jsonl").write_text(render(build("holdout5.txt")), encoding="utf-8")
    (HERE / "learned_dev.jsonl").write_text(render(build("learned_dev.txt")), encoding="utf-8")
    for blind in BLIND_SETS:
        if (HERE / blind).exists():
            out = HERE / blind.replace(".txt", ".jsonl")
            out.write_text(render(build(blind)), encoding="utf-8")
