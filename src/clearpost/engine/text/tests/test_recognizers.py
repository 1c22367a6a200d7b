"""Every contract category, found where it should be and not where it should not."""

from __future__ import annotations

import pytest

from clearpost.engine.catalog import exists
from clearpost.engine.text.analyzer import Analyzer
from clearpost.engine.text.model import Result


def spans(result: Result, category: str) -> list[str]:
    return [f.text for f in result.findings if f.category == category]


PHI_CASES = [
    # (kind, text, category, expected span text)
    ("reply", "Thank you, Sarah! See you soon.", "PHI_NAME", "Sarah"),
    ("caption", "hope looks amazing after her lip filler, 2 weeks after", "PHI_NAME", "hope"),
    ("caption", "GRACE LOOKS AMAZING 2 WEEKS AFTER HER FILLER", "PHI_NAME", "GRACE"),
    ("reply", "Congrats April, you deserve it!", "PHI_NAME", "April"),
    ("reply", "Thanks Will! Your nose healed so well.", "PHI_NAME", "Will"),
    (
        "caption",
        "Follow #sarahsjourney for her recovery, 3 weeks post-op",
        "PHI_NAME",
        "#sarahsjourney",
    ),
    ("caption", "Meet Oluwaseun! 3 months after surgery.", "PHI_NAME", "Oluwaseun"),
    ("reply", "Thank you Mrs. Delgado for the review", "PHI_NAME", "Delgado"),
    ("caption", "Emma Whitfield's facelift, 4 months post-op", "PHI_NAME", "Emma Whitfield"),
    ("caption", "Thanks @jess.martinez for trusting us!", "PHI_HANDLE", "@jess.martinez"),
    ("caption", "Surgery day on 10/14/2025, now 6 weeks post-op", "PHI_DATE", "10/14/2025"),
    ("dm_reply", "Your surgery is on March 14th.", "PHI_DATE", "March 14th"),
    ("caption", "Operated 2025-02-11, photo at 12 weeks", "PHI_DATE", "2025-02-11"),
    ("caption", "the bride from last Saturday's wedding glowed", "PHI_DATE", "last Saturday's"),
    ("reply", "Call me at 512-555-0199 tonight", "PHI_CONTACT", "512-555-0199"),
    ("reply", "write to jane.doe88@gmail.com please", "PHI_CONTACT", "jane.doe88@gmail.com"),
    ("dm_reply", "Your MRN 5520918 is on file", "PHI_ID", "5520918"),
    ("dm_reply", "SSN 512-66-0987 confirmed", "PHI_ID", "512-66-0987"),
    ("dm_reply", "Member ID XJH448120031 was denied", "PHI_ID", "XJH448120031"),
    ("dm_reply", "Refunded to the card ending 4421.", "PHI_ID", "4421"),
    ("reply", "We're so glad you're happy with it, Ren!", "PHI_NAME", "Ren"),
    ("caption", "Our 92-year-old patient, 3 months post-op", "PHI_AGE", "92-year-old"),
    ("comment", "Grandma turned 93 and looks great", "PHI_AGE", "turned 93"),
    ("caption", "She came all the way from San Antonio for it", "PHI_LOCATION", "San Antonio"),
    (
        "caption",
        "a teacher at Lincoln High School loves her results",
        "PHI_LOCATION",
        "Lincoln High School",
    ),
    (
        "dm_reply",
        "Your address at 4417 Oak Hollow Drive is on file",
        "PHI_LOCATION",
        "4417 Oak Hollow Drive",
    ),
    ("caption", "the wedding at the grand hotel was lovely", "PHI_LOCATION", "grand hotel"),
]


@pytest.mark.parametrize(("kind", "text", "category", "expected"), PHI_CASES)
def test_phi_span_found(us: Analyzer, kind: str, text: str, category: str, expected: str) -> None:
    result = us.analyze(text, kind)
    assert expected in spans(result, category), result.to_dict()
    assert result.decision == "block"


NOT_PHI = [
    ("caption", "We hope you love it! Book a consult today."),
    ("caption", "Will you be joining us for our open house?"),
    ("caption", "Summer is coming, and so is sunscreen season."),
    ("caption", "Mark your calendars for our Morpheus8 event."),
    ("caption", "Dr. Rivera explains Botox vs Dysport vs Kybella vs CoolSculpting."),
    ("caption", "Meet Jamie Chen RN, our newest injector!"),
    ("caption", "Call us at (512) 555-0100 to book."),
    ("reply", "Please email hello@riveraaesthetics.com and we will help."),
    ("caption", "Our Austin office is open late on Wednesdays."),
    ("caption", "Join us for our webinar on Tuesday, March 18. Register now."),
    ("caption", "She is 45 and loving her skin."),
    ("caption", "Tag @allergan and @riveraaesthetics in your posts"),
    ("caption", "Try the Glow Bar facial this week"),
    ("comment", "I got my lips done last week, obsessed!"),
    ("comment", "שלום, מתי אתם פתוחים?"),
]


@pytest.mark.parametrize(("kind", "text"), NOT_PHI)
def test_not_phi(us: Analyzer, kind: str, text: str) -> None:
    result = us.analyze(text, kind)
    phi = [f for f in result.findings if f.category.startswith("PHI_")]
    assert phi == [], result.to_dict()


CATEGORY_CASES = [
    ("reply", "We're so glad your tummy tuck turned out beautifully!", "PATIENT_CONFIRMATION"),
    ("dm_reply", "Your lab results came back normal.", "PATIENT_CONFIRMATION"),
    ("caption", "Sarah is 3 weeks post-op from her tummy tuck!", "PATIENT_CONFIRMATION"),
    ("reply", "That sounds like an infection; you should start antibiotics.", "MEDICAL_ADVICE"),
    ("reply", "Some swelling is totally normal. Take ibuprofen.", "MEDICAL_ADVICE"),
    (
        "caption",
        "We treated her in exchange for a post about us!",
        "MATERIAL_CONNECTION_UNDISCLOSED",
    ),
    ("reply", "Leave a 5-star review and get $50 off!", "MATERIAL_CONNECTION_UNDISCLOSED"),
    ("caption", "Before and after: lip filler by Jamie.", "BEFORE_AFTER_NO_TIMEFRAME"),
    ("caption", "Lightly retouched photos, 2 weeks after filler.", "FILTER_OR_RETOUCH"),
    ("caption", "After photo edited for lighting, 3 months post-op.", "FILTER_OR_RETOUCH"),
    ("caption", "Painless treatment with guaranteed results!", "DECEPTIVE_CLAIM"),
    ("caption", "Best plastic surgeon in the state!", "DECEPTIVE_CLAIM"),
    ("caption", "Only 2 spots left, act now!", "DECEPTIVE_CLAIM"),
    ("caption", "Win a free breast augmentation in our giveaway!", "DECEPTIVE_CLAIM"),
    ("caption", "That booty though, 3 months after her BBL 🍑", "UNPROFESSIONAL"),
    ("caption", "Rhinoplasty, 6 months post-op #nosejob", "UNPROFESSIONAL"),
    ("caption", "Intraoperative video: not for the squeamish", "GRAPHIC"),
    ("caption", "We're going live from the OR during a BBL tomorrow!", "LIVE_STREAM"),
    ("caption", "Stock photo of natural Botox results.", "STOCK_UNLABELED"),
    (
        "comment",
        "Is it normal to have this much swelling on day 5 after my lipo?",
        "INBOUND_MEDICAL_QUESTION",
    ),
    ("comment", "I had my lips done here and I love them!", "INBOUND_SELF_DISCLOSURE"),
    ("comment", "They botched my lips. Stay away!", "INBOUND_NEGATIVE_REVIEW"),
    ("comment", "Earn $500 a day trading crypto, DM me", "SPAM"),
    ("comment", "Cheap followers and likes, DM for prices", "SPAM"),
    ("comment", "Had my lipo here and I'm so happy!", "INBOUND_SELF_DISCLOSURE"),
]


@pytest.mark.parametrize(("kind", "text", "category"), CATEGORY_CASES)
def test_category_found(us: Analyzer, kind: str, text: str, category: str) -> None:
    result = us.analyze(text, kind)
    assert category in {f.category for f in result.findings}, result.to_dict()
    assert result.decision in {"block", "review"}


COMPLIANT = [
    ("caption", "Before and after: lip filler, 2 weeks after treatment."),
    ("caption", "No filter, same lighting. Chemical peel, 10 days after."),
    (
        "caption",
        "Complimentary treatment provided. Her honest take, 4 weeks after, in exchange for a post.",
    ),
    ("caption", "Model. Not an actual patient. Stock photo for illustration only."),
    ("reply", "Thank you for your kind words! Please call our office so we can help."),
    ("reply", "Call (512) 555-0100 to schedule your consultation."),
    ("comment", "Do you offer financing?"),
    ("comment", "😍😍😍"),
]


@pytest.mark.parametrize(("kind", "text"), COMPLIANT)
def test_compliant_text_passes(us: Analyzer, kind: str, text: str) -> None:
    result = us.analyze(text, kind)
    assert result.decision == "pass", result.to_dict()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Botox special this month: 20% off!", "UK-CAP-12.12-POM"),
        ("Prom season is here! Glowing lips for the big night.", "UK-CAP-12.25-U18"),
        ("Risk-free skin tightening!", "UK-GMC-COSMETIC-MARKETING"),
    ],
)
def test_uk_pack(uk: Analyzer, us: Analyzer, text: str, rule: str) -> None:
    assert rule in {f.rule for f in uk.analyze(text, "caption").findings}
    assert rule not in {f.rule for f in us.analyze(text, "caption").findings}


def test_every_finding_names_a_catalog_rule(us: Analyzer) -> None:
    texts = [t for _, t, *_ in PHI_CASES + CATEGORY_CASES]
    for kind in ("caption", "reply", "dm_reply", "comment"):
        for text in texts:
            for f in us.analyze(text, kind).findings:
                assert exists(f.rule)
                assert f.message
