"""Each category reports its dedicated RULES.md section 9 ID (issue 11), not a "nearest" one."""

from __future__ import annotations

import pytest

from clearpost.engine import catalog
from clearpost.engine.text.analyzer import Analyzer
from clearpost.engine.text.model import Category

CASES = [
    (
        "reply",
        "You should stop taking fish oil a week before.",
        Category.MEDICAL_ADVICE,
        "ASPS-NO-ONLINE-ADVICE",
    ),
    (
        "caption",
        "Going live from the OR during tomorrow's BBL!",
        Category.LIVE_STREAM,
        "ASPS-NO-LIVESTREAM",
    ),
    (
        "caption",
        "Warning: graphic intra-op video of today's lipo.",
        Category.GRAPHIC,
        "ASPS-GRAPHIC-CONTENT",
    ),
    ("caption", "New boobs who dis 🍑🍆", Category.UNPROFESSIONAL, "ASPS-PROFESSIONAL-TONE"),
    ("comment", "DM me for cheap filler, wholesale prices!!", Category.SPAM, "MOD-SPAM-REMOVAL"),
    (
        "comment",
        "Is it normal to still be swollen 3 weeks after lipo?",
        Category.INBOUND_MEDICAL_QUESTION,
        "ASPS-SECURE-CHANNEL",
    ),
]


@pytest.mark.parametrize(("kind", "text", "category", "rule"), CASES)
def test_category_carries_its_dedicated_rule(
    us: Analyzer, kind: str, text: str, category: Category, rule: str
) -> None:
    found = [f for f in us.analyze(text, kind).findings if f.category is category]
    assert found, f"{category} not found in {text!r}"
    assert {f.rule for f in found} == {rule}
    assert catalog.rule(rule)


def test_redirect_names_the_practice_secure_channel() -> None:
    from clearpost.engine.text.analyzer import default_analyzer
    from clearpost.engine.text.profile import build_profile

    prof = build_profile(name="Luma", phone="(305) 555-0142", secure_channel="our patient portal")
    result = default_analyzer(prof).analyze(
        "Is it normal to be swollen 3 weeks after lipo?", "comment"
    )
    assert result.action == "redirect_privately"
    assert result.reply_template is not None
    assert (
        "our patient portal" in result.reply_template and "(305) 555-0142" in result.reply_template
    )
