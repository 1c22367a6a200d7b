"""Quality floors on the labelled corpus (the issue's goals, asserted where they are met).

These are measurements, not timings: they fail when a change makes detection worse.
The development corpus was used to tune the recognizers, so it also runs the held-out
corpus, with lower floors that reflect what was measured on it before any tuning.
"""

from __future__ import annotations

import pytest

from clearpost.engine.text.evaluation import (
    CORPUS_DIR,
    NAMES_HANDLES,
    STRUCTURED,
    Report,
    case_variant,
    evaluate,
    load_corpus,
)
from clearpost.engine.text.model import Category
from clearpost.engine.text.quality import clearpost_predict
from clearpost.engine.text.tests.corpus.build import build, render

PHI = ("PHI_NAME", "PHI_DATE", "PHI_CONTACT", "PHI_LOCATION", "PHI_ID", "PHI_HANDLE", "PHI_AGE")


@pytest.fixture(scope="module")
def dev() -> Report:
    return evaluate(load_corpus(), clearpost_predict)


def test_corpus_files_are_built_from_their_sources() -> None:
    assert (CORPUS_DIR / "dev.jsonl").read_text("utf-8") == render(build())
    assert (CORPUS_DIR / "holdout.jsonl").read_text("utf-8") == render(build("holdout.txt"))
    assert (CORPUS_DIR / "holdout2.jsonl").read_text("utf-8") == render(build("holdout2.txt"))
    assert (CORPUS_DIR / "holdout3.jsonl").read_text("utf-8") == render(build("holdout3.txt"))
    assert (CORPUS_DIR / "holdout4.jsonl").read_text("utf-8") == render(build("holdout4.txt"))
    assert (CORPUS_DIR / "holdout5.jsonl").read_text("utf-8") == render(build("holdout5.txt"))
    assert (CORPUS_DIR / "learned_dev.jsonl").read_text("utf-8") == render(build("learned_dev.txt"))


def test_corpus_shape() -> None:
    examples = load_corpus()
    assert len(examples) >= 300
    assert {e.kind for e in examples} == {"caption", "reply", "dm_reply", "comment"}
    clean = sum(e.decision == "pass" for e in examples)
    assert clean >= len(examples) / 3
    gold = set().union(*(e.categories for e in examples))
    assert gold == {str(c) for c in Category}  # every contract category is exercised
    for e in examples:
        for _, start, end in e.spans:
            assert 0 <= start < end <= len(e.text)


def test_phi_span_goals(dev: Report) -> None:
    assert dev.group(NAMES_HANDLES).recall >= 0.98
    assert dev.group(STRUCTURED).recall >= 0.995
    for cat in PHI:
        assert dev.per_category[cat].precision >= 0.85, cat


def test_decision_goals(dev: Report) -> None:
    assert dev.block_recall >= 0.95
    assert dev.clean_block_rate <= 0.05


def test_every_category_has_useful_precision_and_recall(dev: Report) -> None:
    for cat in Category:
        c = dev.per_category[str(cat)]
        assert c.recall >= 0.9, (cat, c)
        assert c.precision >= 0.85, (cat, c)


@pytest.mark.parametrize("how", ["upper", "lower"])
def test_case_variants_keep_recall(dev: Report, how: str) -> None:
    variants = [v for v in (case_variant(e, how) for e in load_corpus()) if v is not None]
    report = evaluate(variants, clearpost_predict)
    assert report.group(NAMES_HANDLES).recall >= dev.group(NAMES_HANDLES).recall - 0.01
    assert report.group(STRUCTURED).recall >= dev.group(STRUCTURED).recall - 0.01
    assert report.block_recall >= dev.block_recall - 0.01


@pytest.mark.parametrize(
    "name",
    ["holdout.jsonl", "holdout2.jsonl", "holdout3.jsonl", "holdout4.jsonl", "holdout5.jsonl"],
)
def test_held_out_floor(name: str) -> None:
    """Floors just under what was measured on the held-out sets (see docs/text-engine.md)."""
    report = evaluate(load_corpus(CORPUS_DIR / name), clearpost_predict)
    assert report.group(NAMES_HANDLES).recall >= 0.9
    assert report.group(STRUCTURED).recall >= 0.7
    assert report.block_recall >= 0.85
    assert report.clean_block_rate <= 0.1


def test_blind_sets_after_their_fixes() -> None:
    """Blind sets 6-8 are tuned on since their first run (docs/text-engine.md); these floors
    sit just under the after-fix figures so a regression shows. The learned layer must
    still add recall over the rules alone without blocking more than 5 % of clean texts."""
    from clearpost.engine.text.quality import rules_predict

    examples = [e for n in (6, 7, 8) for e in load_corpus(CORPUS_DIR / f"blind{n}.jsonl")]
    both = evaluate(examples, clearpost_predict)
    rules = evaluate(examples, rules_predict)
    assert both.block_recall >= 0.95 and both.flag_recall >= 0.95
    assert both.clean_block_rate <= 0.05
    assert both.any_phi.recall >= 0.88 and both.any_phi.precision >= 0.88
    assert both.flag_recall > rules.flag_recall
    assert both.block_recall > rules.block_recall
