"""The generic causes behind held-out 4's first-run misses, each pinned with NEW sentences
(none of them is a corpus line), so a fix that only memorised the corpus would fail here.
"""

from __future__ import annotations

import pytest

from clearpost.engine.text.analyzer import Analyzer
from clearpost.engine.text.model import Result


def spans(result: Result, category: str) -> list[str]:
    return [f.text for f in result.findings if f.category == category]


FOUND = [
    # (kind, text, category, expected span text)
    # Names: accents folded, naming phrases before unknown names, kinship and role words,
    # "&"/"+" coordination, "aka", "thank you to", "our girl".
    ("caption", "Our lovely Zoë flew in for her chin filler, 3 weeks post", "PHI_NAME", "Zoë"),
    (
        "caption",
        "Welcome back Chidinma 🙌 round two of microneedling, 4 wks",
        "PHI_NAME",
        "Chidinma",
    ),
    ("caption", "Auntie Flo wanted softer lines, 2 weeks after", "PHI_NAME", "Flo"),
    ("caption", "Retired teacher Faith chose a brow lift, 8 wks post", "PHI_NAME", "Faith"),
    ("caption", "Ivy + Dawn did their lip flips together, 10 days post", "PHI_NAME", "Dawn"),
    ("caption", "Mia & Sterling came in as a couple, 2 wks after botox", "PHI_NAME", "Sterling"),
    ("caption", "Meet Rosalind aka Roz 💃 4 months after her lift", "PHI_NAME", "Roz"),
    ("caption", "THANK YOU TO JOY FOR SHARING HER LIPO, 6 WEEKS POST", "PHI_NAME", "JOY"),
    ("caption", "congrats to our girl joy on her new nose, 3 months post-op", "PHI_NAME", "joy"),
    ("reply", "thank u hazel!! so happy for you", "PHI_NAME", "hazel"),
    ("reply", "Ms Kowalczyk we have your forms ready", "PHI_NAME", "Kowalczyk"),
    # Ages over 89 written without "years old".
    ("caption", "At 96, he finally treated his eyelids, 5 weeks post", "PHI_AGE", "96"),
    ("comment", "my nana is 99 and wants filler lol", "PHI_AGE", "99"),
    ("comment", "I'm 91 & still getting facials", "PHI_AGE", "91"),
    ("caption", "Aunt Edie (95!) loved her HydraFacial", "PHI_AGE", "95"),
    ("reply", "Happy 100th bday to our favorite client!", "PHI_AGE", "100th bday"),
    # Dates: day-first with a year, "the 12th", weekday + ordinal, holidays, "this Friday"
    # only next to care.
    ("caption", "Pre-op photo 23/09/2024, after at 8 weeks", "PHI_DATE", "23/09/2024"),
    ("dm_reply", "your follow up got moved to the 12th, see you then", "PHI_DATE", "to the 12th"),
    ("dm_reply", "we have Thursday the 21st at 9 for you", "PHI_DATE", "Thursday the 21st"),
    (
        "caption",
        "She booked her consult after Christmas Eve and healed by Easter",
        "PHI_DATE",
        "after Christmas Eve",
    ),
    ("dm_reply", "Your surgery is this Friday, no food after midnight", "PHI_DATE", "this Friday"),
    # IDs written in spaced or dashed groups, Rx numbers, and a labelled ID that looks
    # like a phone number.
    ("dm_reply", "We updated your member ID to KPX 301 228 904 today", "PHI_ID", "KPX 301 228 904"),
    (
        "dm_reply",
        "Financing account 4410 2093 7781 0042 is approved",
        "PHI_ID",
        "4410 2093 7781 0042",
    ),
    ("dm_reply", "Pick up Rx # 5521873-0012 at the pharmacy", "PHI_ID", "5521873-0012"),
    ("dm_reply", "Your NHS number 485 777 3456 is on the letter", "PHI_ID", "485 777 3456"),
    # Places: workplaces after role words, employers/schools before role nouns, flats,
    # towns of the home countries, venues by their kind.
    (
        "comment",
        "wait isn't she the cashier from Trader Joe's on Burnet?",
        "PHI_LOCATION",
        "Trader Joe's on Burnet",
    ),
    (
        "caption",
        "Our Samsung engineer client finally did his eyes, 6 wks",
        "PHI_LOCATION",
        "Samsung",
    ),
    (
        "caption",
        "Proud of this Texas State cheerleader, 3 wks after filler",
        "PHI_LOCATION",
        "Texas State",
    ),
    (
        "dm_reply",
        "shipping your kit to 77 Rosewood Apt 4C tomorrow",
        "PHI_LOCATION",
        "77 Rosewood Apt 4C",
    ),
    ("caption", "Eimear came over from Galway for her bleph, 5 wks post", "PHI_LOCATION", "Galway"),
    ("caption", "Meet Tom from Reading! Hair transplant, 6 months on", "PHI_LOCATION", "Reading"),
    (
        "caption",
        "He ran the 10k at Zilker Park 4 wks after his lipo",
        "PHI_LOCATION",
        "Zilker Park",
    ),
]


@pytest.mark.parametrize(("kind", "text", "category", "expected"), FOUND)
def test_found(us: Analyzer, kind: str, text: str, category: str, expected: str) -> None:
    result = us.analyze(text, kind)
    assert expected in spans(result, category), result.to_dict()
    assert result.decision == "block"


CATEGORIES = [
    # Replies and DMs that confirm a relationship without "your surgery" phrasing.
    ("reply", "Dana we've been trying to reach you about the invoice", "PATIENT_CONFIRMATION"),
    ("reply", "We adore having you as a client 💕", "PATIENT_CONFIRMATION"),
    ("reply", "We've sent the aftercare instructions to your inbox", "PATIENT_CONFIRMATION"),
    ("dm_reply", "we got ur pics, the swelling looks normal", "PATIENT_CONFIRMATION"),
    ("dm_reply", "ur consult is moved to 3pm", "PATIENT_CONFIRMATION"),
    ("dm_reply", "Claim number BX-4471902 has been submitted", "PATIENT_CONFIRMATION"),
    (
        "dm_reply",
        "Your partner asked about your recovery, ok to chat with him?",
        "PATIENT_CONFIRMATION",
    ),
    (
        "dm_reply",
        "The deposit for your rescheduled lift is on its way back",
        "PATIENT_CONFIRMATION",
    ),
    ("reply", "So nice seeing you at the clinic on Friday!", "PATIENT_CONFIRMATION"),
    # Advertising and professionalism.
    ("caption", "Voted #1 injector in Travis County", "DECEPTIVE_CLAIM"),
    ("caption", "The BEST lip filler results you'll ever see", "DECEPTIVE_CLAIM"),
    ("caption", "Before → After: jawline filler", "BEFORE_AFTER_NO_TIMEFRAME"),
    ("caption", "before vs after of a chin implant", "BEFORE_AFTER_NO_TIMEFRAME"),
    ("caption", "Catch us on insta live doing botox on a real patient!", "LIVE_STREAM"),
    ("caption", "Amazing results, photo courtesy of the Galderma team", "STOCK_UNLABELED"),
    ("reply", "Sounds like herpes, get an antiviral before any lip work", "MEDICAL_ADVICE"),
    (
        "dm_reply",
        "Wait 3 days after filler before the gym, and sleep on your back",
        "MEDICAL_ADVICE",
    ),
    # Inbound.
    ("comment", "can u get fillers while pregnant??", "INBOUND_MEDICAL_QUESTION"),
    ("comment", "How long after lip injections can I drive?", "INBOUND_MEDICAL_QUESTION"),
    ("comment", "my botox looks uneven after 2 weeks", "INBOUND_SELF_DISCLOSURE"),
    ("comment", "got my cheeks done here last spring, love them", "INBOUND_SELF_DISCLOSURE"),
    ("comment", "no one ever calls me back, what a joke", "INBOUND_NEGATIVE_REVIEW"),
    ("comment", "Appalling service at reception today", "INBOUND_NEGATIVE_REVIEW"),
    ("comment", "Selling cheap filler pens, inbox me babe", "SPAM"),
]


@pytest.mark.parametrize(("kind", "text", "category"), CATEGORIES)
def test_category(us: Analyzer, kind: str, text: str, category: str) -> None:
    result = us.analyze(text, kind)
    assert category in {f.category for f in result.findings}, result.to_dict()


CLEAN = [
    # Word-names and words that look like places or ages stay words.
    ("caption", "Faith, patience and sunscreen: our winter skin motto"),
    ("caption", "We loved the Austin Women in Medicine dinner with Dr. Rivera"),
    ("reply", "Hi hun! Thanks for the love 💕"),
    ("comment", "Any appointments left this Monday? need a glow up 😂"),
    ("comment", "Do you have slots in January?"),
    ("caption", "Our prices: lip flip is 95."),
    ("caption", "The 3rd round of our skincare series drops soon!"),
    ("caption", "Happy Valentine's Day from all of us 💘"),
    ("caption", "A friend from Instagram asked about our hours"),
    # Everyday emoji on a lip post are not sexualising.
    ("caption", "Lip hydration tips 💋🔥 thread below"),
    # A spammer's own contacts are not a patient's (the spam itself is still removed).
]


@pytest.mark.parametrize(("kind", "text"), CLEAN)
def test_clean(us: Analyzer, kind: str, text: str) -> None:
    result = us.analyze(text, kind)
    assert result.decision == "pass", result.to_dict()


def test_spammer_contacts_are_not_phi(us: Analyzer) -> None:
    result = us.analyze("Wholesale filler, text +1 929 555 0143 or @cheapfillerz", "comment")
    assert "SPAM" in {f.category for f in result.findings}
    assert not [f for f in result.findings if f.category in ("PHI_CONTACT", "PHI_HANDLE")]


def test_uk_service_prize(uk: Analyzer, us: Analyzer) -> None:
    text = "Win a skin booster treatment! Tag two friends to enter"
    assert "UK-GMC-COSMETIC-MARKETING" in {f.rule for f in uk.analyze(text, "caption").findings}
    assert us.analyze(text, "caption").decision == "pass"
