"""Text checks: ClearPost vs Presidio's analyzer and scrubadub on the labelled corpus.

Presidio runs its pattern recognizers with a blank spaCy pipeline (`spacy.blank("en")`),
because its default English model is not installable here; so it has no PERSON or
LOCATION entities, which is the honest offline comparison. Both reference tools find
only PHI, so they are scored on PHI spans and on blocking texts that contain PHI.

Reproduce: `.venv/bin/python -m bench text`
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from clearpost.engine.text import lexicon
from clearpost.engine.text.evaluation import (
    CORPUS_DIR,
    NAMES_HANDLES,
    STRUCTURED,
    Counts,
    Example,
    Prediction,
    Report,
    case_variant,
    evaluate,
    load_corpus,
)
from clearpost.engine.text.model import Category
from clearpost.engine.text.quality import analyzer_for, clearpost_predict

PHI = ["PHI_NAME", "PHI_DATE", "PHI_CONTACT", "PHI_LOCATION", "PHI_ID", "PHI_HANDLE", "PHI_AGE"]
PRESIDIO_MAP = {
    "PERSON": "PHI_NAME",
    "EMAIL_ADDRESS": "PHI_CONTACT",
    "PHONE_NUMBER": "PHI_CONTACT",
    "URL": "PHI_CONTACT",
    "IP_ADDRESS": "PHI_ID",
    "DATE_TIME": "PHI_DATE",
    "LOCATION": "PHI_LOCATION",
    "NRP": "PHI_LOCATION",
    "US_SSN": "PHI_ID",
    "US_DRIVER_LICENSE": "PHI_ID",
    "US_BANK_NUMBER": "PHI_ID",
    "US_PASSPORT": "PHI_ID",
    "US_ITIN": "PHI_ID",
    "MEDICAL_LICENSE": "PHI_ID",
    "CREDIT_CARD": "PHI_ID",
    "IBAN_CODE": "PHI_ID",
    "UK_NHS": "PHI_ID",
    "CRYPTO": "PHI_ID",
}
SCRUBADUB_MAP = {
    "name": "PHI_NAME",
    "email": "PHI_CONTACT",
    "phone": "PHI_CONTACT",
    "url": "PHI_CONTACT",
    "twitter": "PHI_HANDLE",
    "address": "PHI_LOCATION",
    "postalcode": "PHI_LOCATION",
    "date_of_birth": "PHI_DATE",
    "credential": "PHI_ID",
    "credit_card": "PHI_ID",
    "social_security_number": "PHI_ID",
    "drivers_licence": "PHI_ID",
    "vehicle_licence_plate": "PHI_ID",
}

Predictor = Callable[[Example], Prediction]


def _longest_first(spans: list[tuple[str, int, int]]) -> tuple[tuple[str, int, int], ...]:
    kept: list[tuple[str, int, int]] = []
    for s in sorted(spans, key=lambda s: s[1] - s[2]):
        if not any(s[1] < k[2] and k[1] < s[2] for k in kept):
            kept.append(s)
    return tuple(sorted(kept, key=lambda s: s[1]))


def _from_spans(spans: list[tuple[str, int, int]]) -> Prediction:
    resolved = _longest_first(spans)
    return Prediction(
        decision="block" if resolved else "pass",
        categories=frozenset(s[0] for s in resolved),
        spans=resolved,
    )


def presidio() -> tuple[Predictor, Callable[[str], object], str]:
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    class BlankSpacy(SpacyNlpEngine):  # type: ignore[misc]
        """Presidio's spaCy engine around a blank pipeline: no model download."""

        def __init__(self) -> None:
            super().__init__(models=[{"lang_code": "en", "model_name": "blank"}])

        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

    engine = BlankSpacy()
    engine.load()
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(nlp_engine=engine)
    analyzer = AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])

    # Fairness: Presidio gets the practice's own contact details as an allow-list, the
    # counterpart of ClearPost's practice profile.
    own = ["(512) 555-0100", "512-555-0100", "hello@riveraaesthetics.com", "riveraaesthetics.com"]
    own += ["020 7946 0000", "clinic@maryleboneskin.co.uk", "maryleboneskin.co.uk"]

    def run(text: str) -> object:
        return analyzer.analyze(text=text, language="en", allow_list=own)

    def predict(ex: Example) -> Prediction:
        spans = [
            (PRESIDIO_MAP[r.entity_type], r.start, r.end)
            for r in analyzer.analyze(text=ex.text, language="en", allow_list=own)
            if r.entity_type in PRESIDIO_MAP
        ]
        return _from_spans(spans)

    import presidio_analyzer

    version = getattr(presidio_analyzer, "__version__", "") or _dist_version("presidio-analyzer")
    return predict, run, f"presidio-analyzer {version} + spaCy {spacy.__version__} (blank en)"


def scrubadub_tool() -> tuple[Predictor, Callable[[str], object], str]:
    import scrubadub

    scrubber = scrubadub.Scrubber()

    def run(text: str) -> object:
        return list(scrubber.iter_filth(text))

    def predict(ex: Example) -> Prediction:
        spans = [
            (SCRUBADUB_MAP[f.type], f.beg, f.end)
            for f in scrubber.iter_filth(ex.text)
            if f.type in SCRUBADUB_MAP
        ]
        return _from_spans(spans)

    return predict, run, f"scrubadub {_dist_version('scrubadub')}"


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def _phi_block_recall(examples: list[Example], predict: Predictor) -> float:
    with_phi = [e for e in examples if e.spans]
    return sum(predict(e).decision == "block" for e in with_phi) / len(with_phi)


def _timings(run: Callable[[str], object], texts: list[str], rounds: int) -> list[float]:
    for t in texts[:20]:
        run(t)
    out: list[float] = []
    for _ in range(rounds):
        for t in texts:
            start = time.perf_counter()
            run(t)
            out.append((time.perf_counter() - start) * 1000)
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _jsonl_throughput(examples: list[Example], copies: int, out_dir: Path) -> tuple[int, float]:
    path = out_dir / "text-batch.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for n in range(copies):
            for e in examples:
                fh.write(json.dumps({"id": f"{e.id}-{n}", "kind": e.kind, "text": e.text}) + "\n")
    lines = copies * len(examples)
    cmd = [sys.executable, "-m", "clearpost", "check-text", "--jsonl"]
    start = time.perf_counter()
    with path.open("rb") as fh:
        proc = subprocess.run(  # noqa: S603 - our own interpreter and module, no user input
            cmd, stdin=fh, capture_output=True, check=True, timeout=600
        )
    elapsed = time.perf_counter() - start
    assert len(proc.stdout.splitlines()) == lines
    return lines, lines / elapsed


def _pr(c: Counts | None) -> str:
    """Precision / recall; precision is '-' when the tool predicted nothing."""
    if c is None:
        return "- / -"
    p = f"{c.precision:.3f}" if c.tp + c.fp else "-"
    return f"{p} / {c.recall:.3f}"


def _row(name: str, r: Report, phi_block: float) -> str:
    nh, st = r.group(NAMES_HANDLES), r.group(STRUCTURED)
    loc = r.per_category.get("PHI_LOCATION")
    return (
        f"| {name} | {_pr(nh)} | {_pr(st)} | {_pr(loc)} | {_pr(r.any_phi)} | {phi_block:.3f} | "
        f"{r.block_recall:.3f} | {r.clean_block_rate:.3f} |"
    )


def _per_category(reports: dict[str, Report]) -> str:
    names = list(reports)
    head = "| category | gold | " + " | ".join(f"{n} P / R" for n in names) + " |"
    sep = "|---|---:|" + "---:|" * len(names)
    rows = [head, sep]
    first = reports[names[0]]
    for cat, c in first.per_category.items():
        gold = c.tp + c.fn
        if gold == 0:
            continue
        cells = []
        for n in names:
            rc = reports[n].per_category.get(cat)
            cells.append("not detected" if rc is None else _pr(rc))
        rows.append(f"| {cat} | {gold} | " + " | ".join(cells) + " |")
    order = {str(c): i for i, c in enumerate(Category)}
    body = sorted(rows[2:], key=lambda r: order.get(r.split(" | ")[0][2:], 99))
    return "\n".join(rows[:2] + body)


# First-run figures are history: measured once, on the code as it was before the set was
# read (held-out 4: commit e0f9029, code of merge 0fd6408), so they are recorded here
# rather than recomputed. Columns: names+handles R, structured R, block recall, clean
# blocked.
_FIRST_RUNS = (
    ("held-out 1, first run", "1.000", "1.000", "0.947", "0.065"),
    ("held-out 2, first run", "0.938", "0.750", "0.900", "0.000"),
    ("held-out 3, first run", "1.000", "1.000", "0.958", "0.000"),
    ("held-out 4 (blind), first run", "0.726", "0.696", "0.794", "0.044"),
    ("held-out 5 (blind, round 2), first run", "0.850", "0.756", "0.882", "0.039"),
)


def _first_runs() -> list[str]:
    lines = ["### First runs on the held-out sets (recorded, ClearPost only)", ""]
    lines.append("| set | names+handles R | structured R | block recall | clean blocked |")
    lines.append("|---|---:|---:|---:|---:|")
    lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in _FIRST_RUNS]
    lines.append("")
    lines.append(
        "Held-out 4 first run, more figures: names+handles precision 0.882, structured "
        "precision 0.865, any-PHI span P / R 0.915 / 0.677, ALL-CAPS and lowercase recall "
        "equal to the original. Per category in docs/text-engine.md."
    )
    lines.append("")
    lines.append(
        "Held-out 5 first run (measured on commit 801d909, before any change it prompted): "
        "names+handles precision 0.872, structured precision 0.944, any-PHI span P / R "
        "0.919 / 0.809, flag recall 0.850; ALL-CAPS names+handles / structured / block recall "
        "0.812 / 0.756 / 0.866, lowercase 0.812 / 0.756 / 0.857. Per category in "
        "docs/text-engine.md."
    )
    lines.append("")
    return lines


def main(out_dir: Path) -> str:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    dev = load_corpus()
    held = load_corpus(CORPUS_DIR / "holdout.jsonl")
    held2 = load_corpus(CORPUS_DIR / "holdout2.jsonl")
    held3 = load_corpus(CORPUS_DIR / "holdout3.jsonl")
    held4 = load_corpus(CORPUS_DIR / "holdout4.jsonl")
    held5 = load_corpus(CORPUS_DIR / "holdout5.jsonl")
    lexicon.warm()
    for practice in ("us", "uk"):
        analyzer_for(practice)

    tools: dict[str, tuple[Predictor, Callable[[str], object] | None, str]] = {}
    notes: list[str] = []
    tools["ClearPost"] = (
        clearpost_predict,
        lambda t: analyzer_for("us").analyze(t, "caption"),
        "ClearPost text engine",
    )
    for label, factory in (("Presidio", presidio), ("scrubadub", scrubadub_tool)):
        try:
            p, r, desc = factory()
            tools[label] = (p, r, desc)
        except Exception as exc:  # a reference tool that cannot run offline is reported
            notes.append(f"- {label} could not run offline: {type(exc).__name__}: {exc}")

    lines = ["## Text checks (`clearpost check-text`)", ""]
    lines.append(
        f"Corpus: {len(dev)} hand-written development texts (captions, replies, DM replies, "
        f"comments; {sum(e.decision == 'pass' for e in dev)} clean) in "
        "`src/clearpost/engine/text/tests/corpus/source.txt`, and "
        f"held-out sets written after tuning: {len(held)} texts (`holdout.txt`, a few generic "
        f"misses found on it were then fixed), {len(held2)} texts (`holdout2.txt`, likewise) and "
        f"{len(held3)} texts (`holdout3.txt`, written after the code it measured), and "
        f"{len(held4)} texts ({sum(e.decision == 'pass' for e in held4)} clean; `holdout4.txt`, "
        "written blind by someone who had not read the recognizers or the other sets, committed "
        "before its first run; generic misses found on it were then fixed, so its figures below "
        "are after-fix and its first-run figures are recorded separately), and "
        f"{len(held5)} texts ({sum(e.decision == 'pass' for e in held5)} clean; `holdout5.txt`, "
        "a second blind round by another writer, treated the same way). "
        "Spans match when they overlap and share the category; the reference tools' entity "
        "types are mapped to the contract's PHI categories (see `bench/text.py`)."
    )
    lines.append("")
    lines.append("Tools: " + "; ".join(d for _, _, d in tools.values()) + ".")
    lines += notes
    lines.append("")

    sets = (
        ("Development corpus (tuned on)", dev),
        ("Held-out corpus 1", held),
        ("Held-out corpus 2", held2),
        ("Held-out corpus 3", held3),
        ("Held-out corpus 4 (written blind; after the fixes it prompted)", held4),
        ("Held-out corpus 5 (second blind round; after the fixes it prompted)", held5),
    )
    for title, corpus in sets:
        lines.append(f"### {title}: PHI and decisions")
        lines.append("")
        lines.append(
            "| tool | names+handles P / R | structured (date, contact, ID, age) P / R | "
            "location P / R | any PHI span P / R | texts with PHI blocked | block recall "
            "(all block texts) | clean texts blocked |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        reports: dict[str, Report] = {}
        for name, (predict, _, _) in tools.items():
            cats = None if name == "ClearPost" else PHI
            rep = evaluate(corpus, predict, categories=cats)
            reports[name] = rep
            lines.append(_row(name, rep, _phi_block_recall(corpus, predict)))
        lines.append("")
        lines.append(f"Per category ({title.lower()}):")
        lines.append("")
        lines.append(_per_category(reports))
        lines.append("")

    lines += _first_runs()
    for label, base in (
        ("development corpus", dev),
        ("held-out corpus 4", held4),
        ("held-out corpus 5", held5),
    ):
        lines.append(f"### ALL-CAPS and lowercase versions ({label})")
        lines.append("")
        lines.append(
            "| tool | variant | names+handles R | structured R | block recall | clean blocked |"
        )
        lines.append("|---|---|---:|---:|---:|---:|")
        for name, (predict, _, _) in tools.items():
            for how in ("original", "upper", "lower"):
                variants = (
                    base if how == "original" else [v for e in base if (v := case_variant(e, how))]
                )
                rep = evaluate(variants, predict, categories=None if name == "ClearPost" else PHI)
                lines.append(
                    f"| {name} | {how} | {rep.group(NAMES_HANDLES).recall:.3f} | "
                    f"{rep.group(STRUCTURED).recall:.3f} | {rep.block_recall:.3f} | "
                    f"{rep.clean_block_rate:.3f} |"
                )
        lines.append("")

    captions = [
        e.text
        for e in dev + held + held2 + held3 + held4
        if e.kind == "caption" and len(e.text) <= 500
    ]
    long_caption = " ".join(captions)[:500]
    texts = [*captions, long_caption]
    lines.append("### Speed (one core, per caption of up to 500 characters)")
    lines.append("")
    lines.append(
        f"{len(texts)} captions (including one of exactly 500 characters) from the development "
        "set and held-out sets 1-4 (the same sample as earlier runs, so timings compare), "
        "5 rounds each, after warm-up; process pinned to one core."
    )
    lines.append("")
    lines.append("| tool | p50 ms | p99 ms | max ms | texts/s in-process |")
    lines.append("|---|---:|---:|---:|---:|")
    speed: dict[str, tuple[float, float]] = {}
    for name, (_, run, _) in tools.items():
        if run is None:
            continue
        ms = _timings(run, texts, rounds=5)
        p50, p99 = _pct(ms, 0.5), _pct(ms, 0.99)
        speed[name] = (p50, p99)
        rate = 1000 / statistics.fmean(ms)
        lines.append(f"| {name} | {p50:.2f} | {p99:.2f} | {max(ms):.2f} | {rate:,.0f} |")
    lines.append("")
    if "Presidio" in speed:
        cp, pr = speed["ClearPost"], speed["Presidio"]
        lines.append(
            f"Ratio ClearPost / Presidio: p50 {cp[0] / pr[0]:.2f}x, p99 {cp[1] / pr[1]:.2f}x "
            "(below 1 means ClearPost is faster; ClearPost also runs its advertising, "
            "confirmation and inbound checks in that time)."
        )
        lines.append("")
    count, rate = _jsonl_throughput(dev, copies=10, out_dir=out_dir)
    lines.append(
        f"Batch: `clearpost check-text --jsonl` on {count:,} lines (the development corpus "
        f"10 times), one process including start-up and list loading: {rate:,.0f} texts/s."
    )
    lines.append("")
    lines.append("Goals from the issue: PHI span recall >= 0.98 for names and handles, >= 0.995")
    lines.append("for structured identifiers, precision >= 0.85, block recall >= 0.95 with <= 5%")
    lines.append("of clean texts blocked, the same recall (within one point) on ALL-CAPS and")
    lines.append("lowercase, p50 <= 5 ms and p99 <= 50 ms per caption.")
    lines.append("")
    lines.append("Reproduce: `.venv/bin/python -m bench text` (after `make venv` and installing")
    lines.append("`requirements/bench.lock`, as `make bench` does).")
    section = "\n".join(lines) + "\n"
    (out_dir / "text-results.json").write_text(
        json.dumps({"speed_ms": speed}, indent=2), encoding="utf-8"
    )
    return section
