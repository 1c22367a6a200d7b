"""Runs the ClearPost analyzer over corpus examples (profile per example) for evaluation,
with the learned layer (the default) or the rules alone, so the two can be compared."""

from __future__ import annotations

from functools import cache

from clearpost.engine.text.analyzer import Analyzer, default_analyzer
from clearpost.engine.text.evaluation import CORPUS_DIR, Example, Prediction
from clearpost.engine.text.model import PHI_CATEGORIES
from clearpost.engine.text.profile import load_profile


@cache
def analyzer_for(practice: str, learned: bool = True) -> Analyzer:
    return default_analyzer(load_profile(CORPUS_DIR / f"{practice}_practice.toml"), learned)


def _predict(ex: Example, learned: bool) -> Prediction:
    result = analyzer_for(ex.practice, learned).analyze(ex.text, ex.kind)
    spans = tuple(
        (str(f.category), f.start, f.end)
        for f in result.findings
        if f.category in PHI_CATEGORIES and f.start is not None and f.end is not None
    )
    return Prediction(
        decision=result.decision,
        categories=frozenset(str(f.category) for f in result.findings),
        spans=spans,
    )


def clearpost_predict(ex: Example) -> Prediction:
    """Rules plus the learned layer (what `check-text` runs)."""
    return _predict(ex, learned=True)


def rules_predict(ex: Example) -> Prediction:
    """The recognizers alone."""
    return _predict(ex, learned=False)
