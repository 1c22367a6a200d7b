"""Quality measurement on a labelled corpus: per-category precision and recall, block
recall and the clean-text block rate, shared by the quality tests and the benchmark so
both report the same numbers.

PHI categories are scored per span (a prediction matches a gold span of the same
category when they overlap, one-to-one); the other categories per text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clearpost.engine.text.model import PHI_CATEGORIES, Category

CORPUS_DIR = Path(__file__).resolve().parent / "tests" / "corpus"
NAMES_HANDLES = ("PHI_NAME", "PHI_HANDLE")
STRUCTURED = ("PHI_DATE", "PHI_CONTACT", "PHI_ID", "PHI_AGE")
_PHI = {str(c) for c in PHI_CATEGORIES}


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    kind: str
    practice: str
    text: str
    decision: str
    categories: frozenset[str]
    spans: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True, slots=True)
class Prediction:
    decision: str
    categories: frozenset[str]
    spans: tuple[tuple[str, int, int], ...]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


@dataclass
class Report:
    per_category: dict[str, Counts] = field(default_factory=dict)
    any_phi: Counts = field(default_factory=Counts)
    gold_block: int = 0
    block_hit: int = 0
    gold_flag: int = 0
    flag_hit: int = 0
    clean: int = 0
    clean_blocked: int = 0
    clean_flagged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def block_recall(self) -> float:
        return self.block_hit / self.gold_block if self.gold_block else 1.0

    @property
    def flag_recall(self) -> float:
        return self.flag_hit / self.gold_flag if self.gold_flag else 1.0

    @property
    def clean_block_rate(self) -> float:
        return self.clean_blocked / self.clean if self.clean else 0.0

    @property
    def clean_flag_rate(self) -> float:
        return self.clean_flagged / self.clean if self.clean else 0.0

    def group(self, names: Iterable[str]) -> Counts:
        total = Counts()
        for n in names:
            total.add(self.per_category.get(n, Counts()))
        return total


def load_corpus(path: Path | None = None) -> list[Example]:
    path = path or CORPUS_DIR / "dev.jsonl"
    out = []
    for line in path.read_text("utf-8").splitlines():
        r: dict[str, Any] = json.loads(line)
        out.append(
            Example(
                id=r["id"],
                kind=r["kind"],
                practice=r["practice"],
                text=r["text"],
                decision=r["decision"],
                categories=frozenset(r["categories"]),
                spans=tuple((s["category"], s["start"], s["end"]) for s in r["spans"]),
            )
        )
    return out


def case_variant(ex: Example, how: str) -> Example | None:
    """The ALL-CAPS or lowercase version, when the case change keeps every offset."""
    text = ex.text.upper() if how == "upper" else ex.text.lower()
    if len(text) != len(ex.text):
        return None
    return Example(ex.id, ex.kind, ex.practice, text, ex.decision, ex.categories, ex.spans)


def _match_spans(
    gold: tuple[tuple[str, int, int], ...], pred: tuple[tuple[str, int, int], ...], same_cat: bool
) -> dict[str, Counts]:
    counts: dict[str, Counts] = {}
    used: set[int] = set()
    for cat, gs, ge in gold:
        c = counts.setdefault(cat if same_cat else "ANY", Counts())
        hit = next(
            (
                i
                for i, (pc, ps, pe) in enumerate(pred)
                if i not in used and ps < ge and gs < pe and (pc == cat or not same_cat)
            ),
            None,
        )
        if hit is None:
            c.fn += 1
        else:
            used.add(hit)
            c.tp += 1
    for i, (pc, _, _) in enumerate(pred):
        if i not in used:
            counts.setdefault(pc if same_cat else "ANY", Counts()).fp += 1
    return counts


def evaluate(
    examples: Iterable[Example],
    predict: Callable[[Example], Prediction],
    categories: Iterable[str] | None = None,
) -> Report:
    """Score `predict` on `examples`; `categories` limits text-level scoring to those the
    system under test claims to detect (reference tools detect only PHI)."""
    report = Report()
    scored = set(categories) if categories is not None else {str(c) for c in Category}
    for ex in examples:
        pred = predict(ex)
        for cat, c in _match_spans(ex.spans, pred.spans, same_cat=True).items():
            report.per_category.setdefault(cat, Counts()).add(c)
        report.any_phi.add(_match_spans(ex.spans, pred.spans, same_cat=False).get("ANY", Counts()))
        for cat in scored - _PHI:
            c = report.per_category.setdefault(cat, Counts())
            g, p = cat in ex.categories, cat in pred.categories
            c.tp += g and p
            c.fp += p and not g
            c.fn += g and not p
        if ex.decision == "block":
            report.gold_block += 1
            report.block_hit += pred.decision == "block"
        if ex.decision != "pass":
            report.gold_flag += 1
            report.flag_hit += pred.decision != "pass"
        else:
            report.clean += 1
            report.clean_blocked += pred.decision == "block"
            report.clean_flagged += pred.decision != "pass"
            if pred.decision != "pass":
                report.errors.append(f"{ex.id} false alarm: {ex.text[:80]}")
    return report


def markdown_table(report: Report, label: str = "") -> str:
    rows = ["| category | gold | precision | recall |", "|---|---:|---:|---:|"]
    for cat in [str(c) for c in Category]:
        c = report.per_category.get(cat)
        if c is None or (c.tp + c.fn == 0 and c.fp == 0):
            continue
        rows.append(f"| {cat} | {c.tp + c.fn} | {c.precision:.3f} | {c.recall:.3f} |")
    return (f"{label}\n\n" if label else "") + "\n".join(rows)
