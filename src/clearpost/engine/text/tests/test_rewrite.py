"""A suggested fix is one click: it must pass the same engine, or not be offered."""

from __future__ import annotations

import pytest

from clearpost.engine.text.analyzer import Analyzer
from clearpost.engine.text.evaluation import CORPUS_DIR, load_corpus
from clearpost.engine.text.quality import analyzer_for
from clearpost.engine.text.rewrite import GENERIC_CAPTION, drop_sentences


def _blocks(analyzer: Analyzer, text: str, kind: str) -> list[str]:
    return [
        f"{f.category} {f.text!r}"
        for f in analyzer.analyze(text, kind).findings
        if f.severity == "block"
    ]


@pytest.mark.parametrize("corpus", ["dev.jsonl", "learned_dev.jsonl", "holdout.jsonl"])
def test_every_suggested_text_in_the_corpus_passes_without_a_block(corpus: str) -> None:
    offered = 0
    still_blocked: list[str] = []
    for ex in load_corpus(CORPUS_DIR / corpus):
        analyzer = analyzer_for(ex.practice)
        result = analyzer.analyze(ex.text, ex.kind)
        if result.decision != "block" or result.suggested_text is None:
            continue
        offered += 1
        blocks = _blocks(analyzer, result.suggested_text, ex.kind)
        if blocks:
            still_blocked.append(f"{ex.id}: {result.suggested_text!r} -> {blocks}")
    assert offered > 10
    assert still_blocked == []


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        # The example: removing the name still confirms "your tummy tuck".
        ("Thanks Sarah, your tummy tuck looks amazing!", "caption", GENERIC_CAPTION),
        # Only the sentence that named her goes; the educational part stays.
        (
            "Thank you for sharing your journey, Sarah. Tummy tuck, 5 months post-op.",
            "caption",
            "Tummy tuck, 5 months post-op.",
        ),
        # A name that is the only problem is still just replaced.
        (
            "Lip filler, 2 weeks after treatment. Call 512-555-0199 to book.",
            "caption",
            None,
        ),
    ],
)
def test_caption_fix_is_the_least_invasive_one_that_passes(
    us: Analyzer, text: str, kind: str, expected: str | None
) -> None:
    result = us.analyze(text, kind)
    assert result.decision == "block"
    assert result.suggested_text is not None
    if expected is not None:
        assert result.suggested_text == expected
    assert _blocks(us, result.suggested_text, kind) == []


def test_reply_confirming_treatment_gets_the_generic_reply(us: Analyzer) -> None:
    result = us.analyze("So glad you love your tummy tuck, Sarah!", "reply")
    assert result.decision == "block"
    assert result.suggested_text is not None
    assert "care online" in result.suggested_text
    assert _blocks(us, result.suggested_text, "reply") == []


def test_drop_sentences_returns_none_when_nothing_would_be_left(us: Analyzer) -> None:
    text = "Thanks Sarah, your tummy tuck looks amazing!"
    assert drop_sentences(text, us.analyze(text, "caption").findings) is None


@pytest.mark.parametrize("practice", ["us", "uk", "hartwell", "luma", "summit"])
def test_the_neutral_caption_passes_for_every_practice(practice: str) -> None:
    result = analyzer_for(practice).analyze(GENERIC_CAPTION, "caption")
    assert result.decision == "pass" and result.findings == []
    assert len(GENERIC_CAPTION) <= 125  # shown whole above the feed's fold
