from __future__ import annotations

import pytest

from clearpost.engine.catalog import UnknownRuleError
from clearpost.engine.text import rewrite
from clearpost.engine.text.analyzer import Analyzer, TextInputError
from clearpost.engine.text.context import TextContext
from clearpost.engine.text.model import Category, Finding, Kind
from clearpost.engine.text.recognizers.contact import ContactRecognizer
from clearpost.engine.text.recognizers.names import NameRecognizer


class Shout:
    """A recognizer injected by a test: flags the word 'LOUD' as unprofessional."""

    name = "shout"
    kinds: frozenset[Kind] = frozenset({"caption"})

    def analyze(self, ctx: TextContext) -> list[Finding]:
        pos = ctx.text.find("LOUD")
        if pos < 0:
            return []
        return [
            Finding(
                rule="ASPS-PROFESSIONAL-TONE",
                category=Category.UNPROFESSIONAL,
                severity="review",
                start=pos,
                end=pos + 4,
                text="LOUD",
                message="shouting",
                recognizer=self.name,
            )
        ]


def test_recognizers_are_injected() -> None:
    only_contact = Analyzer([ContactRecognizer()])
    assert only_contact.analyze("Thank you Sarah", "reply").decision == "pass"
    assert only_contact.analyze("call 214-555-0177", "reply").decision == "block"
    custom = Analyzer([Shout()])
    result = custom.analyze("so LOUD", "caption")
    assert result.decision == "review"
    assert custom.analyze("so LOUD", "reply").decision == "pass"  # kind not covered


def test_overlapping_spans_resolve_to_the_longer() -> None:
    result = Analyzer([NameRecognizer(), ContactRecognizer()]).analyze(
        "Thanks Emma Whitfield, call 214-555-0177", "reply"
    )
    names = [f.text for f in result.findings if f.category == Category.PHI_NAME]
    assert names == ["Emma Whitfield"]


def test_decision_is_most_severe(us: Analyzer) -> None:
    review_only = us.analyze("Before and after: lip filler by Jamie.", "caption")
    assert review_only.decision == "review"
    both = us.analyze("Before and after: Sarah's lip filler.", "caption")
    assert both.decision == "block"


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(UnknownRuleError):
        Finding("NOT-A-RULE", Category.SPAM, "block", None, None, "", "")


def test_phi_needs_offsets() -> None:
    with pytest.raises(ValueError, match="offsets"):
        Finding("HIPAA-DEID-GEO", Category.PHI_LOCATION, "block", None, None, "", "")


def test_bad_kind_and_oversize(us: Analyzer) -> None:
    with pytest.raises(TextInputError, match="unknown kind"):
        us.analyze("hi", "tweet")
    with pytest.raises(TextInputError, match="limit is 20,000"):
        us.analyze("a" * 20_001, "caption")


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("caption", ""),
        ("comment", "😍🔥💕✨"),
        ("reply", "شكرا لك على كلماتك الطيبة! يرجى الاتصال بمكتبنا."),
        ("comment", "שלום, מתי אתם פתוחים?"),
        ("caption", "\u202etxet desrever\u202c"),
        ("caption", " \n\t "),
        ("caption", "a" * 20_000),
    ],
)
def test_odd_but_valid_text_gets_a_clear_result(us: Analyzer, kind: str, text: str) -> None:
    result = us.analyze(text, kind)
    assert result.decision == "pass"
    assert result.to_dict()["findings"] == []


def test_blocked_reply_gets_generic_suggestion(us: Analyzer) -> None:
    result = us.analyze("Thank you, Sarah! Your tummy tuck looks great.", "reply")
    assert result.suggested_text is not None
    assert "Sarah" not in result.suggested_text
    assert "(512) 555-0100" in result.suggested_text


def test_caption_phi_is_replaced(us: Analyzer) -> None:
    text = "Sarah had her surgery on March 3rd. 6 weeks post-op!"
    result = us.analyze(text, "caption")
    assert (
        rewrite.redact(text, result.findings)
        == "[name removed] had her surgery on [date removed]. 6 weeks post-op!"
    )
    # With only the name gone the sentence still tells of someone's surgery (a block), so
    # the one-click fix drops that sentence and keeps the rest (test_rewrite.py).
    assert result.suggested_text == "6 weeks post-op!"


@pytest.mark.parametrize(
    ("text", "action", "has_template"),
    [
        ("Isn't that Jessica Moreno from spin class?", "hide_pending_review", False),
        ("Check my bio for free followers", "delete_spam", False),
        ("Worst experience ever, they ruined my nose", "reply_generic", True),
        ("Can I fly 10 days after a BBL?", "redirect_privately", True),
        ("I had my lips done here and I love them!", "do_not_confirm", True),
        ("Love this!", "none", False),
    ],
)
def test_inbound_actions(us: Analyzer, text: str, action: str, has_template: bool) -> None:
    result = us.analyze(text, "comment")
    assert result.action == action
    assert (result.reply_template is not None) == has_template
    out = result.to_dict()
    assert out["action"] == action
