"""Generic causes found by the first run of blind sets 6-8 (issue 11), each pinned by new
sentences (none of them a corpus line). After these fixes the blind sets are tuned on."""

from __future__ import annotations

import pytest

from clearpost.engine.text.analyzer import Analyzer

# (kind, text, a category that must be found)
FOUND = [
    (
        "caption",
        "Become a Glow Girl: free filler each quarter, just post us twice a month!",
        "MATERIAL_CONNECTION_UNDISCLOSED",
    ),
    (
        "caption",
        "Half-price peel for anyone who posts their results and tags us.",
        "MATERIAL_CONNECTION_UNDISCLOSED",
    ),
    (
        "caption",
        "Creators wanted: 3 reels gets you a laser session on us. Please skip the #ad.",
        "MATERIAL_CONNECTION_UNDISCLOSED",
    ),
    ("caption", "Results pic from pinterest but this could be you!", "STOCK_UNLABELED"),
    ("caption", "Photo bought from a stock site until our own shoot is done.", "STOCK_UNLABELED"),
    ("caption", "Image courtesy of our implant rep, ask about sizes.", "STOCK_UNLABELED"),
    ("caption", "Simply the best injectors in Florida.", "DECEPTIVE_CLAIM"),
    ("caption", "antes y después de relleno de labios 💋", "BEFORE_AFTER_NO_TIMEFRAME"),
    (
        "caption",
        "We're going live Thursday from the treatment room while Jamie injects lips!",
        "LIVE_STREAM",
    ),
    ("caption", "TikTok live at 6 with our nurse doing a client's tear troughs", "LIVE_STREAM"),
    ("caption", "Watch a tummy tuck in real time this Friday!", "LIVE_STREAM"),
    (
        "comment",
        "Official Instagram Support: your account has been flagged, verify at ig-help.co",
        "SPAM",
    ),
    ("comment", "botox $8/unit, i come to your house, message for a slot", "SPAM"),
    ("comment", "how many syringes would i need for my cheeks", "INBOUND_MEDICAL_QUESTION"),
    ("comment", "does laser hair removal work on dark skin?", "INBOUND_MEDICAL_QUESTION"),
    ("reply", "haha u were the sweetest patient this month!", "PATIENT_CONFIRMATION"),
    (
        "reply",
        "We're sorry it was sore; we drained the fluid and it should settle now.",
        "PATIENT_CONFIRMATION",
    ),
    (
        "caption",
        "Our client from Boca is now a proud owner of brand new brows!",
        "PATIENT_CONFIRMATION",
    ),
    ("caption", "One of our favourite facelift patients just got engaged!", "PATIENT_CONFIRMATION"),
    ("caption", "The twins came in together for matching lip flips!", "PATIENT_CONFIRMATION"),
    ("caption", "our 11am today brought us donuts 🍩 love her", "PATIENT_CONFIRMATION"),
    ("reply", "From your photos you're a perfect candidate for a mini tuck.", "MEDICAL_ADVICE"),
]

# (kind, text): the practice's own hours, its team, its menu, its tips; must pass.
PASSES = [
    ("caption", "Meet our nurse Tori! She loves her dog Biscuit and a good peel."),
    ("caption", "Closed Jan 1 and Feb 17. Happy holidays from the whole team!"),
    ("caption", "Closed for Martin Luther King Jr. Day, back Tuesday."),
    ("caption", "Summer's coming, so stock up on SPF!"),
    ("reply", "omg stoppp you're too sweet 😭 give us a call any time!"),
    ("comment", "¿tienen tarjetas de regalo? quiero comprar una para mi hermana"),
    ("caption", "Open evening on Thursday at 7.15pm, all welcome."),
    (
        "caption",
        "We removed 2.5 kilograms of tissue in this demonstration video (model, not a "
        "patient). Graphic content.",
    ),
    ("caption", "The clinic reopens on Wednesday at 9am after the long weekend."),
    ("caption", "Results vary and are not guaranteed."),
    ("caption", "Tip: stop smoking six weeks before any surgery."),
    ("reply", "We never treat anyone under 18, thank you for asking."),
    ("caption", "#ad Paid partnership with Allergan; we gifted her the treatment."),
]


@pytest.mark.parametrize(("kind", "text", "category"), FOUND)
def test_found(us: Analyzer, kind: str, text: str, category: str) -> None:
    result = us.analyze(text, kind)
    assert category in {str(f.category) for f in result.findings}, result.to_dict()


@pytest.mark.parametrize(("kind", "text"), PASSES)
def test_passes(us: Analyzer, uk: Analyzer, kind: str, text: str) -> None:
    for analyzer in (us, uk):
        result = analyzer.analyze(text, kind)
        blocking = [f.to_dict() for f in result.findings if f.severity == "block"]
        assert not blocking, blocking


HOSTILE = [
    "You were the one who skipped the garment, so the swelling is on you.",
    "Maybe next time you should read the aftercare sheet.",
    "If you had followed the instructions this would not have happened.",
    "You showed up 30 minutes late and argued with the front desk.",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_replies_are_unprofessional(us: Analyzer, text: str) -> None:
    result = us.analyze(text, "reply")
    assert "UNPROFESSIONAL" in {str(f.category) for f in result.findings}
    assert result.decision == "block"


def test_hospital_number_is_an_id(uk: Analyzer) -> None:
    result = uk.analyze("Your hospital number is KLM-55120, quote it when you ring.", "dm_reply")
    assert "PHI_ID" in {str(f.category) for f in result.findings}


PHI_FOUND = [
    (
        "caption",
        "Our Fort Lauderdale patient loved her new brows!",
        "PHI_LOCATION",
        "Fort Lauderdale",
    ),
    ("caption", "Thank you to the Marchetti family for the flowers!", "PHI_NAME", "Marchetti"),
    ("caption", "The Abernathy twins came in for brows today.", "PHI_NAME", "Abernathy"),
    ("reply", "see you Thursday for your follow up!", "PHI_DATE", "Thursday"),
    ("dm_reply", "just show this when u check in monday", "PHI_DATE", "monday"),
    ("comment", "my coworker Brenda had her lips done here", "PHI_NAME", "Brenda"),
]


@pytest.mark.parametrize(("kind", "text", "category", "span"), PHI_FOUND)
def test_phi_found(us: Analyzer, kind: str, text: str, category: str, span: str) -> None:
    found = [f.text for f in us.analyze(text, kind).findings if str(f.category) == category]
    assert span in found, found


def test_a_time_and_a_title_are_not_an_address(us: Analyzer) -> None:
    text = "Tune in at 9 am as Dr. Rivera answers questions about lip filler."
    cats = {str(f.category) for f in us.analyze(text, "caption").findings}
    assert "PHI_LOCATION" not in cats


INBOUND = [
    ("isnt this where u got ur lips done lol", "INBOUND_SELF_DISCLOSURE"),
    ("@kay_99 this is the place your aunt went for her brows!", "INBOUND_SELF_DISCLOSURE"),
    ("paid $450 for lip filler and it's gone in a month", "INBOUND_SELF_DISCLOSURE"),
    ("way overpriced for what you get", "INBOUND_NEGATIVE_REVIEW"),
    ("you should be ashamed of these ads", "INBOUND_NEGATIVE_REVIEW"),
]


@pytest.mark.parametrize(("text", "category"), INBOUND)
def test_inbound(us: Analyzer, text: str, category: str) -> None:
    cats = {str(f.category) for f in us.analyze(text, "comment").findings}
    assert category in cats, cats
