"""Any text at all gets a well-formed result: no crash, offsets inside the text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearpost.engine.text.analyzer import Analyzer
from clearpost.engine.text.tests.conftest import US

_ANALYZER = Analyzer(profile=US)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(max_size=400),
    kind=st.sampled_from(["caption", "reply", "dm_reply", "comment"]),
)
def test_any_text_gets_a_well_formed_result(text: str, kind: str) -> None:
    result = _ANALYZER.analyze(text, kind)
    assert result.decision in {"block", "review", "pass"}
    for f in result.findings:
        if f.start is not None and f.end is not None:
            assert 0 <= f.start < f.end <= len(text)
            assert text[f.start : f.end] == f.text


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(
            [
                "Hope",
                "grace",
                "WILL",
                "Dr.",
                "Rivera",
                "@jess",
                "#sarahsjourney",
                "3/14",
                "on",
                "Tuesday",
                "512-555-0199",
                "from",
                "Austin",
                "your",
                "surgery",
                ",",
                "!",
                "92",
                "years",
                "old",
                "MRN",
                "5520918",
                "before",
                "and",
                "after",
                "🍑",
                "guaranteed",
            ]
        ),
        max_size=40,
    )
)
def test_word_salad_never_crashes(words: list[str]) -> None:
    text = " ".join(words)
    result = _ANALYZER.analyze(text, "caption")
    assert result.to_dict()["decision"] == result.decision
