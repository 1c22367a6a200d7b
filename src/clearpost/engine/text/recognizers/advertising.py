"""Advertising rules for the practice's own posts: FTC endorsements, state boards, ASPS,
and the UK CAP/GMC pack when the practice is in the UK.

Each check is a phrase pattern with the exceptions that make it compliant (a
disclosure, a timeframe, "no filter"), because those exceptions are what a careful
author writes and the checker must let them through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clearpost.engine.text.context import TextContext
from clearpost.engine.text.model import Category, Finding, Severity
from clearpost.engine.text.recognizers import OUTBOUND

_I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class PhraseRule:
    """A trigger pattern, the patterns that excuse it, and what to say."""

    rule: str
    category: Category
    severity: Severity
    trigger: re.Pattern[str]
    message: str
    suggestion: str
    unless: re.Pattern[str] | None = None
    uk_rule: str | None = None
    kinds: frozenset[str] | None = None  # None: every outbound kind
    uk_only: bool = False


DISCLOSED = re.compile(
    r"(?<!put )(?<!any )(?<!use )(?<!add )(?<!the )(?<!skip )#ad\b|#sponsored\b|#paid\b|#gifted\b|paid partnership|\bsponsored\b|\bdisclosure\b|"
    r"(?:complimentary|free|discounted|comped|gifted)\s+(?:\w+\s+){0,3}(?:was\s+|were\s+)?"
    r"(?:provided|given|received|in exchange)|\bour (?:employee|staff member|team member)\b|"
    r"\bwe (?:provided|gave) (?:her|him|them)\b",
    _I,
)
_TIMEFRAME = re.compile(
    r"\b\d+\s*(?:-|to)?\s*\d*\s*(?:days?|weeks?|wks?|months?|mos?|years?|yrs?)\b"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(?:days?|weeks?|months?|"
    r"years?)\b"
    r"|\bpost[- ]?op(?:erative)? (?:day|week|month) \d+"
    r"|\b(?:immediately|right) after\b|\bsame[- ]day\b|\bday \d+\b",
    _I,
)
_NEGATED_FILTER = re.compile(
    r"\bno (?:filters?|editing|edits|retouching|photoshop)\b|#nofilter\b|\bunfiltered\b|"
    r"\bunedited\b|\bunretouched\b|\bnot (?:filtered|edited|retouched)\b|\bwithout (?:filters?|"
    r"editing)\b|"
    r"\bzero (?:filters?|editing)\b|\bonly (?:cropped|crop)",
    _I,
)
_MODEL_LABEL = re.compile(
    r"\bmodel\b[^.!?]{0,30}\bnot (?:an? )?(?:actual|real) patient|\bnot (?:an? )?(?:actual|"
    r"real) patient"
    r"|\bmodel,? not\b|\bfor illustration only\b|\billustrative\b|\bactor\b",
    _I,
)

RULES: tuple[PhraseRule, ...] = (
    PhraseRule(
        rule="FTC-MC-DISCLOSE",
        category=Category.MATERIAL_CONNECTION_UNDISCLOSED,
        severity="block",
        trigger=re.compile(
            r"\bin exchange for (?:a |an |her |his |their |your )?(?:honest )?(?:post|review|"
            r"feature|shout ?out|tag|story|video|content)"
            r"|\b(?:free|complimentary|comped|discounted|gifted)\s+(?:\w+\s+){0,3}(?:for|"
            r"if you|when you)\s+(?:a |an |your )?(?:post|review|tag|feature|shout ?out|story)"
            r"|\b(?:our|brand) ambassador\b|\bpartnered with\b|\bpartnering with\b|"
            r"\bcollab(?:oration)?\b"
            r"|\bgifted (?:her|him|them)\b|\bwe gifted\b|\bcomped\b|\bon the house\b"
            r"|\b(?:her|his|their) (?:treatment|filler|botox|procedure|lipo|session)s? (?:was|"
            r"were) (?:free|complimentary|on us)"
            # "got their lips done today, all on us": treatment paid for by the practice.
            r"|\b(?:done|treated|treatments?|filler|botox|lips|facials?|sessions?|procedures?)\b"
            r"[^.!?]{0,30}\b(?:all |totally |completely )?on us\b"
            r"|\btag us\b[^.!?]{0,40}\b(?:get|receive|win|earn)\b|\bpost (?:about us|a review|"
            r"a story)\b[^.!?]{0,30}\b(?:get|receive|earn)\b"
            # "free tox every month, just post us 3x a week", "discounted peel? Just post
            # your results and tag @...", "in exchange for 2 posts a month".
            r"|\b(?:free|complimentary|discounted|comped|half[- ]price|\d+% off)[^.!?]{0,40}"
            r"[.!?,]?[^.!?]{0,30}\b(?:post|tag)(?:s|ging)? (?:us|your|their|about|@)"
            r"|\bin exchange for (?:\d+|one|two|three|a few) (?:posts?|tags?|reels?|stories|videos?)"
            r"|\b(?:no need (?:to put|for)(?: any)?|don['’]t (?:use|put|add)|skip the|without (?:the|"
            r"any)?) ?#ad\b",
            _I,
        ),
        unless=DISCLOSED,
        message=(
            "A free, discounted or paid connection with the person endorsing the practice "
            "must be disclosed clearly at the start of the post (FTC 16 CFR 255.5)."
        ),
        suggestion=(
            'Start the caption with the disclosure, e.g. "Complimentary treatment provided."'
        ),
    ),
    PhraseRule(
        rule="FTC-CRR-BUY-SENTIMENT",
        category=Category.MATERIAL_CONNECTION_UNDISCLOSED,
        severity="block",
        trigger=re.compile(
            r"\b(?:5|five)[- ]?star(?:s)? review\b[^.!?]{0,60}\b(?:get|receive|earn|off|"
            r"discount|free|credit|entered)"
            r"|\b(?:get|receive|earn)\b[^.!?]{0,40}\b(?:off|discount|free|"
            r"credit)\b[^.!?]{0,40}\b(?:positive|good|glowing|5[- ]star|five[- ]star) review",
            _I,
        ),
        message="An incentive tied to a positive review buys sentiment (16 CFR 465.4).",
        suggestion="Offer any incentive for an honest review of any rating, or none at all.",
    ),
    PhraseRule(
        rule="CA-BPC-651-ALTERED",
        category=Category.FILTER_OR_RETOUCH,
        severity="block",
        trigger=re.compile(
            r"\b(?:filter(?:ed|s)?|facetune[d]?|facetuning|retouch(?:ed|ing)?|photoshop(?:ped)?|"
            r"airbrush(?:ed)?|beauty mode|smoothing app|edited (?:photo|pic|image)s?|"
            r"(?:photo|pic|image|picture)s? (?:was |were |is |are )?"
            r"(?:edited|enhanced|touched up|smoothed)|"
            r"edited (?:for|to)|"
            r"lightly edited|touched up (?:the )?(?:photo|pic|image)s?|enhanced (?:photo|pic|"
            r"image)s?|"
            r"#facetune|#filter|valencia|clarendon|juno filter)\b",
            _I,
        ),
        unless=_NEGATED_FILTER,
        uk_rule="UK-CAP-FILTERS",
        message="Result photos must not be filtered or retouched; they must show the real outcome.",
        suggestion="Post the unedited photos (crop, resize and whole-image exposure only).",
    ),
    PhraseRule(
        rule="ASPS-NO-FALSE",
        category=Category.DECEPTIVE_CLAIM,
        severity="block",
        trigger=re.compile(
            r"(?<!not )(?<!no )(?<!never )(?<!cannot be )(?<!can['’]t be )(?<!aren['’]t )"
            r"\bguarantee[ds]?\b|\bpainless\b|\bpain[- ]free\b|\bno pain\b|\bdoesn['’]t hurt\b|"
            r"\bno scar(?:s|ring)?\b|\bscar[- ]?less\b|\bscar[- ]free\b|\bzero scar(?:s|ring)\b|"
            r"\brisk[- ]free\b|\bno risks?\b|\bzero risk\b|\b100% safe\b|\bcompletely safe\b|"
            r"\bperfectly safe\b|\bno side effects\b|\bbest (?:\w+ ){0,3}(?:in|"
            r"of) (?:the )?(?:state|town|city|country|world|county|area|region|nation|uk|us|"
            r"usa|america)\b|"
            r"(?<![\w#])(?:#1|number one|no\. ?1)\b|\bbest (?:\w+ ){0,2}(?:surgeons?|injectors?|"
            r"doctors?|clinics?|med ?spas?|results)\b|\bpermanent results\b|"
            r"\blasts forever\b|"
            r"\bmiracle\b|\bperfect results\b|\bresults? (?:are )?(?:guaranteed|permanent)\b|"
            r"\bonly \d+ (?:spots?|slots?|appointments?) left\b|\blast chance\b|\btoday only\b|"
            r"\bact now\b|\bhurry\b|\bbefore (?:they['’]re|it['’]s) gone\b|\bends (?:tonight|"
            r"at midnight)\b|"
            r"\b(?:2|two)[- ](?:for|4)[- ](?:1|one)\b|\bbogo\b|\bselling out\b",
            _I,
        ),
        uk_rule="UK-GMC-COSMETIC-MARKETING",
        message=(
            "Guarantees, 'painless', 'no scarring', superlatives and false urgency are "
            "deceptive claims for a medical procedure."
        ),
        suggestion="State what is typical and checkable; every procedure carries risks.",
    ),
    PhraseRule(
        rule="ASPS-NO-PRIZE",
        category=Category.DECEPTIVE_CLAIM,
        severity="block",
        trigger=re.compile(
            r"\b(?:win|raffle|giveaway|prize|contest)\b[^.!?]{0,60}\b(?:surgery|augmentation|"
            r"implants?|lipo|liposuction|tummy tuck|rhinoplasty|facelift|bbl|breast lift|"
            r"blepharoplasty|procedure)\b",
            _I,
        ),
        uk_rule="UK-GMC-COSMETIC-MARKETING",
        message="A surgical procedure may never be offered as a prize.",
        suggestion="Offer non-incisional services or a discount instead of surgery as a prize.",
    ),
    PhraseRule(
        rule="BA-SAME-PATIENT",
        category=Category.STOCK_UNLABELED,
        severity="block",
        trigger=re.compile(
            r"\bstock (?:photo|image|picture|pic)s?\b|\b(?:photo|image|pic)s? (?:courtesy of|"
            r"from|by|via)\s+(?:the\s+)?"
            r"(?:allergan|galderma|merz|evolus|revance|inmode|cutera|the manufacturer|"
            r"our supplier|the brand)\b|"
            r"\bmanufacturer(?:['’]s)? (?:photo|image|before and after|results)\b|"
            r"\b(?:model|models)(?:['’]s)? (?:photo|results|before and after|image)\b|"
            r"\b(?:pic|photo|image|picture)s? (?:from|off|via) (?:pinterest|google|the internet|"
            r"online|an? (?:image|photo|stock) (?:library|site|bank))\b"
            r"|\b(?:photo|image|pic)s? (?:purchased|bought|licensed) from\b"
            r"|\b(?:image|photo|pic)s? courtesy of (?:our |the )?(?:implant |device )?(?:rep|"
            r"supplier|manufacturer|vendor)\b"
            r"|\bresults shown (?:are|is) (?:from|on) (?:a )?model\b|\bfeaturing (?:a |"
            r"our )?model\b",
            _I,
        ),
        unless=_MODEL_LABEL,
        message=(
            "Stock, manufacturer or model images must not be presented as the practice's results; "
            "a model must be labelled as a model."
        ),
        suggestion=(
            "Use the practice's own patients' photos, or label clearly: "
            '"Model. Not an actual patient."'
        ),
    ),
    PhraseRule(
        rule="ASPS-NO-LIVESTREAM",
        category=Category.LIVE_STREAM,
        severity="block",
        trigger=re.compile(
            r"\b(?:going|go|we['’]re|are|be|being|streaming|"
            r"stream)\s+live\b[^.!?]{0,60}\b(?:surgery|or\b|operating room|procedure|lipo|bbl|"
            r"augmentation|rhinoplasty|injecting|table)"
            r"|\b(?:going|go|be|we['’]re) live\b[^.!?]{0,60}\b(?:treatment room|doing|does|performs?|"
            r"injects?|injecting)\b"
            r"|\b(?:ig|insta|instagram|tiktok|facebook|fb) live\b[^.!?]{0,60}\b(?:doing|does|"
            r"performs?|injects?|client|patient)\b|\bin real time\b"
            r"|\blive[- ]?stream(?:ing|ed)?\b|\blive from the (?:or|operating room|"
            r"surgical suite)\b"
            r"|\blive (?:surgery|procedure|operation)\b|\bwatch (?:it )?live\b|\btune in live\b"
            r"|\b(?:ig|insta|instagram|tiktok|facebook|fb) live\b[^.!?]{0,60}\b(?:surgery|"
            r"procedure|or\b|operating|injecting|filler|botox|on a patient|treatment)",
            _I,
        ),
        message=(
            "Live-streaming a procedure exposes a patient in real time without the chance to "
            "review what is shown; the literature's social-media consent names live/OR video "
            "separately."
        ),
        suggestion=(
            "Record, review and de-identify; post only with a social-media consent covering video."
        ),
    ),
    PhraseRule(
        rule="ASPS-GRAPHIC-CONTENT",
        category=Category.GRAPHIC,
        severity="review",
        trigger=re.compile(
            r"\bgraphic\b|\bblood(?:y)?\b|\bgore\b|\bgory\b|\bviewer discretion\b|"
            r"\btrigger warning\b|"
            r"\b(?:tw|cw):?\s*(?:blood|surgery|graphic)\b|\bnot for the squeamish\b|\bsqueamish\b|"
            r"\bintra-?op(?:erative)? (?:video|footage|photo|pic|clip)s?\b|\bor footage\b|"
            r"\bsurgery footage\b|"
            r"\bwatch (?:me|us|dr\.? \w+) (?:cut|remove|suction|drain)\b|\bfat (?:coming out|"
            r"removal video)\b|"
            r"\bincision (?:video|clip|footage)\b|\bscalpel\b|🩸|\braw footage\b|\bopen incision\b",
            _I,
        ),
        message="Graphic surgical content needs review before it is shown to the public.",
        suggestion=(
            "Use a de-identified, non-graphic image and add a content warning if it must be shown."
        ),
    ),
)

# UK pack: prescription-only medicines may not be advertised to the public (CAP 12.12),
# and cosmetic ads must not target under-18s (CAP 12.25).
_UK_POM = re.compile(
    r"(?:#)?\b(?:botox|botulinum(?: toxin)?|azzalure|bocouture|dysport|xeomin|letybo|alluzience|"
    r"relfydess|jeuveau|tox|baby ?botox|lip ?flip (?:with|using) botox)\b|#botox\w*",
    _I,
)
# GMC: "never offer services as a prize" covers non-surgical interventions too, unlike
# ASPS-NO-PRIZE (incisional only).
_UK_PRIZE = re.compile(
    r"\b(?:win|won|raffle|giveaway|prize|contest|competition)\b[^.!?]{0,60}\b(?:filler|fillers|"
    r"injections?|injectables?|anti[- ]?wrinkle|skin booster|profhilo|peel|laser|treatment|"
    r"full face|lip|lips|surgery|procedure)\b",
    _I,
)
_UK_U18 = re.compile(
    r"(?<!anyone )(?<!no one )(?<!nobody )(?<!not )(?<!never treat )"
    r"\b(?:prom|back to school|teens?|teenagers?|under[- ]?18s?|sixth form|gcse|"
    r"students? (?:aged )?1[3-7]|"
    r"sweet sixteen|16th birthday|17th birthday|school leavers?|freshers)\b|#prom\w*",
    _I,
)


# Before/after needs the interval since the procedure (captions only: replies and DMs
# do not present results).
_BEFORE_AFTER = re.compile(
    r"\bbefore\s*(?:and|&|\+|/|n|&amp;|vs\.?|versus|to|->|→|➡️?|>)\s*after\b|"
    r"\bantes\s*(?:y|&|/|vs\.?)\s*despu[eé]s\b|"
    r"#beforeandafter\w*|#beforeafter\w*|\bb\s*[&/]\s*a\b|#transformation\w*|\btransformation\b|"
    r"\bresults? (?:from|of) (?:her|his|their|this|our)\b",
    _I,
)
_NOT_DM = frozenset({"caption", "reply"})

CONTEXT_RULES: tuple[PhraseRule, ...] = (
    PhraseRule(
        rule="BA-TIME-SINCE",
        category=Category.BEFORE_AFTER_NO_TIMEFRAME,
        severity="review",
        trigger=_BEFORE_AFTER,
        unless=_TIMEFRAME,
        message="A before/after result needs the time since the procedure to be honest.",
        suggestion='Add the interval, e.g. "6 weeks post-op".',
        kinds=frozenset({"caption"}),
    ),
    PhraseRule(
        rule="UK-CAP-12.12-POM",
        category=Category.DECEPTIVE_CLAIM,
        severity="block",
        trigger=_UK_POM,
        message="UK: prescription-only medicines such as botulinum toxin may not be named in ads.",
        suggestion='Offer "a consultation for lines and wrinkles" instead.',
        kinds=_NOT_DM,
        uk_only=True,
    ),
    PhraseRule(
        rule="UK-GMC-COSMETIC-MARKETING",
        category=Category.DECEPTIVE_CLAIM,
        severity="block",
        trigger=_UK_PRIZE,
        message="UK: GMC guidance says never offer a cosmetic intervention as a prize.",
        suggestion="Offer a skincare product or a voucher for a consultation instead.",
        kinds=_NOT_DM,
        uk_only=True,
    ),
    PhraseRule(
        rule="UK-CAP-12.25-U18",
        category=Category.DECEPTIVE_CLAIM,
        severity="block",
        trigger=_UK_U18,
        message="UK: cosmetic-intervention ads must not be directed at under-18s.",
        suggestion="Remove references that appeal to under-18s.",
        kinds=_NOT_DM,
        uk_only=True,
    ),
)


class AdvertisingRecognizer:
    """Every advertising rule is a `PhraseRule` row: one loop applies them all, so a new
    rule (or a new country's pack) is data, not another copy of the matching code."""

    name = "advertising"
    kinds = OUTBOUND

    def __init__(self, rules: tuple[PhraseRule, ...] = RULES + CONTEXT_RULES) -> None:
        self.rules = rules

    def analyze(self, ctx: TextContext) -> list[Finding]:
        findings: list[Finding] = []
        for pr in self.rules:
            if pr.uk_only and not ctx.profile.uk:
                continue
            if pr.kinds is not None and ctx.kind not in pr.kinds:
                continue
            m = pr.trigger.search(ctx.text)
            if not m or (pr.unless is not None and pr.unless.search(ctx.text)):
                continue
            findings.append(
                Finding(
                    rule=pr.uk_rule if ctx.profile.uk and pr.uk_rule else pr.rule,
                    category=pr.category,
                    severity=pr.severity,
                    start=m.start(),
                    end=m.end(),
                    text=m.group(),
                    message=pr.message,
                    suggestion=pr.suggestion,
                    recognizer=self.name,
                )
            )
        return findings
