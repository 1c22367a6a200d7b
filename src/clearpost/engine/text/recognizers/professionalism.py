"""Professionalism: medical advice given to one person in public, and unprofessional tone
(sexualising or trivialising a patient's body, emoji in a clinical context, lay slang
hashtags where the profession expects the medical term).

RULES.md has no dedicated IDs for these; docs/text-engine.md explains the mapping to the
nearest catalog rules (a catalog gap flagged for the team).
"""

from __future__ import annotations

import re

from clearpost.engine.text.context import TextContext
from clearpost.engine.text.model import Category, Finding
from clearpost.engine.text.recognizers import OUTBOUND, REPLIES

_I = re.IGNORECASE

# Medicines and skin products people are told to take, stop or apply.
_DRUGS = (
    r"(?:ibuprofen|advil|motrin|tylenol|acetaminophen|paracetamol|aspirin|arnica|antibiotics?|"
    r"antihistamines?|benadryl|zyrtec|claritin|allegra|hydrocortisone|cortisone|steroid|"
    r"retinol|retin-a|tretinoin|fish oil|vitamin e|meds|medication|pills?)"
)
_ADVICE = re.compile(
    r"\b(?:you(?:['’]re| are) (?:a |an )?(?:great|good|perfect|ideal|excellent|poor|bad) "
    r"candidate\b)|"
    r"\b(?:you should|you(?:['’]ll)? need to|you can|make sure (?:you|to)|try to|be sure to|"
    r"go ahead and|"
    r"i(?:['’]d)? (?:recommend|suggest)|we(?:['’]d)? (?:recommend|suggest)|just)"
    # "you should definitely stop...": one adverb may sit between the opener and the verb.
    r"(?:\s+(?:definitely|def|really|probably|totally|also|always|just|still|gently))?\s+"
    r"(?:take|stop taking|stop|start|ice|apply|massage|skip|use|keep|wear|remove|pop|drain|sleep|"
    r"avoid|double|increase|lower|put|switch|try)\b(?!\s+check)[^.!?]{0,50}"
    rf"\b(?:{_DRUGS}|"
    r"\d+\s?mg|ice|heat|compression|garment|binder|massage|incision|stitches|drain|"
    r"steri[- ]?strips|ointment|cream|bandage|dressing|the area|it|your)\b"
    # "take 2 Tylenol", "try a 1% hydrocortisone cream", "try an antihistamine like Zyrtec".
    r"|\b(?:take|try|use|apply)\s+(?:\d+|one|two|three|a couple of|some|an?|the)?\s*"
    rf"(?:[\w%.]+\s+)?{_DRUGS}\b"
    r"|(?:^|[.!?,]\s+)(?:stop|start|keep|switch|skip|double|increase|"
    rf"lower)\b[^.!?]{{0,40}}\b(?:{_DRUGS}|garment|binder)\b"
    r"|\bplease\s+(?:massage|ice|apply|take|stop taking|stop|avoid|wear)\b[^.!?]{0,50}"
    rf"\b(?:{_DRUGS}|\d+\s?mg|ice|heat|compression|garment|binder|massage|incision|"
    r"stitches|the area|firmly)\b"
    r"|\b(?:keep (?:your|the) (?:head|face|area|legs?) (?:elevated|up|iced|cold)|"
    r"(?:cold|warm) compress(?:es)?\b[^.!?]{0,40}\b(?:help|work|bring))"
    r"|\b(?:that['’]?s|that is|it['’]?s|it is|this is|sounds) (?:totally |completely |"
    r"perfectly |very )?(?:normal|fine|expected|nothing to worry about|common)\b"
    # "Some bruising is totally normal", "Swelling is expected the first week"; not a
    # report of the doctor's finding ("your swelling is expected").
    r"|(?:^|[.!?]\s*|\b(?:some|a little|mild|minor|any|a bit of)\s+)(?:swelling|bruising|itching|itchiness|tightness|numbness|redness|soreness|lumps?|"
    r"firmness|tenderness)\s+(?:is|are)\s+(?:totally |completely |perfectly |very |super )?"
    r"(?:normal|expected|common)\b"
    r"|\bsounds like (?:an? )?(?:infection|seroma|hematoma|capsular contracture|necrosis|"
    r"allergic reaction|vascular occlusion|cold sore|herpes|a flare)\b"
    # Care instructions written to one person: "sleep on your back the first night",
    # "wait 2 weeks between filler and a facial", "hold off on lip filler until it heals".
    r"|\bsleep (?:on your|upright|elevated)\b|\bwait \d+ (?:hours?|days?|weeks?) (?:between|"
    r"before|after)\b|\bhold off on\b[^.!?]{0,40}\b(?:filler|botox|treatment|exercise|"
    r"workouts?|the gym|makeup|facials?)\b"
    r"|\bdon['’]?t worry\b[^.!?]{0,40}\b(?:swelling|bruising|pain|lump|redness|normal|heal|"
    r"settle)\b"
    r"|\b(?:swelling|bruising|lumps?|redness|numbness|pain)\b[^.!?]{0,30}\b(?:will|"
    r"should) (?:go down|settle|resolve|fade|subside|go away)\b",
    _I,
)
_SEXUALISING = re.compile(
    r"\b(?:sexy|thicc|thick af|booty|boobies|boobs|titties|tatas|juicy|yummy|"
    r"bombshell|snatched|bangin[g']?|smokin['’]?(?=\s|$)|smoking hot|fine as|fire body|body is fire|dime piece|"
    r"jiggle|cleavage for days)\b",
    _I,
)
# Only emoji that read as sexual (peach, aubergine, droplets, tongue, devil, drooling).
# Heart-eyes, fire, the kiss mark on a lip post and the giggle are how staff and patients
# everywhere say "great result"; flagging them alarmed on most real captions.
_EMOJI_SEXUAL = re.compile("[\U0001f351\U0001f346\U0001f4a6\U0001f445\U0001f608\U0001f924]")
_CLINICAL = re.compile(
    r"\b(?:surgery|post[- ]?op|procedure|incision|augmentation|implants?|lipo|liposuction|bbl|"
    r"tummy tuck|abdominoplasty|rhinoplasty|breast|butt|gluteal|labiaplasty|patient|drain|"
    r"recovery|stitches|results|before and after)\b",
    _I,
)
SLANG_HASHTAGS: dict[str, str] = {
    "boobjob": "#breastaugmentation",
    "boobjobs": "#breastaugmentation",
    "newboobs": "#breastaugmentation",
    "nosejob": "#rhinoplasty",
    "nosejobs": "#rhinoplasty",
    "tummytuck": "#abdominoplasty",
    "lipo": "#liposuction",
    "boblift": "#mastopexy",
    "boobjobcheck": "#breastaugmentation",
    "bootyjob": "#glutealfatgrafting",
    "buttlift": "#glutealfatgrafting",
    "bbl": "#glutealfatgrafting",
    "brazilianbuttlift": "#glutealfatgrafting",
    "eyejob": "#blepharoplasty",
    "eyelift": "#blepharoplasty",
    "facejob": "#facelift",
    "boobs": "#breastaugmentation",
    "titjob": "#breastaugmentation",
    "mommymakeover": "#abdominoplasty #mastopexy",
    "vajayjay": "#labiaplasty",
    "designervagina": "#labiaplasty",
    "fakeboobs": "#breastaugmentation",
}
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_TRIVIAL = re.compile(
    r"\b(?:boob job|nose job|tit job|booty job|new boobs|fake boobs|got (?:her|his) (?:boobs|"
    r"butt|booty) done|"
    r"mommy makeover magic|quick nip and tuck|nip and tuck|just a little snip|lunchtime lift)\b",
    _I,
)


class MedicalAdviceRecognizer:
    """Advice to one person, in a reply or DM: the treating surgeon should answer privately."""

    name = "medical_advice"
    kinds = REPLIES

    def analyze(self, ctx: TextContext) -> list[Finding]:
        m = _ADVICE.search(ctx.text)
        if not m:
            return []
        return [
            Finding(
                rule="ASPS-NO-ONLINE-ADVICE",
                category=Category.MEDICAL_ADVICE,
                severity="block" if ctx.kind == "reply" else "review",
                start=m.start(),
                end=m.end(),
                text=m.group(),
                message=(
                    "Individual medical advice online reveals clinical facts and replaces an "
                    "examination; the treating clinician should answer privately."
                ),
                suggestion=(
                    "Please call our office so your care team can answer this properly; "
                    "if it is urgent, call us now or seek emergency care."
                ),
                recognizer=self.name,
            )
        ]


# A public reply that blames, mocks or argues with the reviewer: unprofessional, and it
# usually confirms the care as well ("you were the one who went hiking after surgery").
_HOSTILE_REPLY = re.compile(
    r"\byou (?:were|are) the one who\b|\blike an adult\b|\bnot our fault\b|"
    r"\byou(?:['’]re| are) calling us\b|\bmaybe (?:next time )?(?:you should|try)\b|"
    r"\bperhaps if you had\b|\bif you had (?:followed|listened)\b|\bwith respect, you\b|"
    r"\byou showed up (?:\d+ (?:minutes|mins|hours?) )?late\b|\bargued with\b|"
    r"\bu think that['’]?s (?:swollen|bad|bruised)\b|\bget over it\b|\bstop whining\b",
    re.IGNORECASE,
)


class ProfessionalismRecognizer:
    name = "professionalism"
    kinds = OUTBOUND

    def analyze(self, ctx: TextContext) -> list[Finding]:
        findings: list[Finding] = []
        if ctx.kind in ("reply", "dm_reply"):
            h = _HOSTILE_REPLY.search(ctx.text)
            if h:
                findings.append(
                    self._finding(
                        ctx,
                        h.start(),
                        h.end(),
                        "block",
                        "Blaming, mocking or arguing with a reviewer in public is unprofessional "
                        "and usually reveals their care.",
                        "Reply with the generic message and continue privately.",
                    )
                )
        m = _SEXUALISING.search(ctx.text) or _TRIVIAL.search(ctx.text)
        if m:
            findings.append(
                self._finding(
                    ctx,
                    m.start(),
                    m.end(),
                    "block",
                    "Sexualising or trivialising a patient's body is unprofessional.",
                    "Describe the result in clinical, respectful terms.",
                )
            )
        clinical = _CLINICAL.search(ctx.text)
        if clinical:
            e = _EMOJI_SEXUAL.search(ctx.text)
            if e:
                findings.append(
                    self._finding(
                        ctx,
                        e.start(),
                        e.end(),
                        "review",
                        "Suggestive emoji next to clinical content is unprofessional.",
                        "Remove the emoji from clinical posts.",
                    )
                )
        for h in _HASHTAG.finditer(ctx.text):
            medical = SLANG_HASHTAGS.get(h.group(1).lower())
            if medical:
                findings.append(
                    self._finding(
                        ctx,
                        h.start(),
                        h.end(),
                        "review",
                        "Lay slang hashtag for a medical procedure.",
                        f"Use the medical term: {medical}",
                    )
                )
        return findings

    def _finding(
        self,
        ctx: TextContext,
        start: int,
        end: int,
        severity: str,
        message: str,
        suggestion: str,
    ) -> Finding:
        return Finding(
            rule="ASPS-PROFESSIONAL-TONE",
            category=Category.UNPROFESSIONAL,
            severity="block" if severity == "block" else "review",
            start=start,
            end=end,
            text=ctx.text[start:end],
            message=message,
            suggestion=suggestion,
            recognizer=self.name,
        )
