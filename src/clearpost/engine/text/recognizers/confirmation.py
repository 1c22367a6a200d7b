"""Text that confirms someone is or was a patient, or what they had done.

Every OCR review-reply case (Elite Dental, NVD, Manasa) turned on this: the reviewer
had posted publicly, yet the practice's reply confirming the relationship or the care
was the violation (HIPAA-REVIEW-NO-CONFIRM). In replies and DMs that means second-person
clinical facts ("your tummy tuck", "glad you chose us for your lips"); in a caption it
means an identifier (name, handle) next to what was done.
"""

from __future__ import annotations

import re

from clearpost.engine.text import lexicon
from clearpost.engine.text.context import TextContext
from clearpost.engine.text.model import Category, Finding
from clearpost.engine.text.recognizers import OUTBOUND

_DAYS = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thurs?|fri|"
    r"sat|sun|tomorrow|tmrw|tonight|today|soon|next week|next month)"
)
_CARE = (
    r"(?:surgery|surgeries|procedure|procedures|visit|appointment|appt|consult|consultation|"
    r"treatment|treatments|results?|recovery|healing|follow[- ]?up|post[- ]?op|session|"
    r"injections?|filler|fillers|botox|lips?|nose|rhinoplasty|tummy tuck|facelift|lipo|"
    r"liposuction|bbl|breasts?|implants?|augmentation|breast lift|lift|incisions?|scars?|"
    r"stitches|sutures|drains?|surgeon|chart|records?|bill|balance|insurance|claim|"
    r"prescription|meds|medication|labs?|lab results|biopsy|diagnosis|swelling|bruising|"
    r"new nose|new lips|new look|transformation|mommy makeover|eyelids?|blepharoplasty|"
    r"abdominoplasty|peel|laser|microneedling|coolsculpting|kybella|morpheus8|hydrafacial|"
    r"body|journey|compression garment|garment|binder|touch[- ]?up|account(?: number)?|member id|"
    r"policy|ssn|social security number|date of birth|dob|eyes|skin|photos|hair transplant|"
    r"transplant|brows?|lashes|jawline|chin|cheeks|mrn|deposit|refund|referral|pharmacy|"
    r"antibiotics?|script|post[- ]?op kit|pathology|report|scan|x-ray|mammogram|bloodwork|"
    r"clearance|facials?|ipl|dermaplaning|lip flip|skin boosters?|brotox|chemical peel|"
    r"retoque)"
)
# "ur" and "yr" are how staff write "your" in DMs. "your bruising risk" is general advice.
_SECOND_PERSON = re.compile(
    rf"\b(?:your|ur|yr)\s+(?:[\w'’-]+\s+){{0,2}}{_CARE}\b(?!\s+(?:risk|risks|chances?|odds)\b)",
    re.IGNORECASE,
)
# Care that has happened (or is booked) cannot be an invitation: "the deposit for your
# cancelled facelift", "ask about your recovery".
_PAST_CARE = re.compile(
    r"\b(?:your|ur|yr)\s+(?:(?:cancelled|canceled|recent|last|previous|rescheduled|upcoming|"
    r"\w+-week|\w+-day)\s+[\w'’-]*\s*|)(?:recovery|healing|balance|bill|chart|records?|claim|"
    r"swelling|bruising|incisions?|stitches|sutures|drains?|biopsy|diagnosis|pathology|"
    r"prescription|meds|medication|labs?|deposit|refund|referral|pharmacy|results)\b"
    r"|\b(?:your|ur|yr)\s+(?:cancelled|canceled|recent|last|previous|rescheduled|upcoming)\b",
    re.IGNORECASE,
)
_INVITATION = re.compile(
    r"(?:schedule|book|booking|request|set up|plan|considering|consider|start|"
    r"questions about|about|for|toward|towards|credited to)\s+(?:a\s+|your\s+)?$",
    re.IGNORECASE,
)
_RELATIONSHIP = re.compile(
    r"\b(?:glad|happy|thrilled|pleased|so proud|delighted|excited)\s+(?:that\s+)?you(?:['’]re|"
    r" are)?\s+"
    r"(?:chose|came|had|got|love|loving|enjoyed|healing|recovering|feeling|happy with|"
    r"pleased with|trusted)\b"
    r"(?!\s+(?:the|our|this) (?:post|video|reel|content|tips?|article|blog|giveaway|event|"
    r"webinar|live))"
    r"|\bas your (?:surgeon|doctor|provider|injector|nurse)"
    r"|\bsee you (?:at|for) your\b"
    r"|\bwhen you (?:came in|were (?:here|in)|visited|had)\b"
    r"|\byou(?:['’]re| are) (?:healing|recovering)\b"
    r"|\b(?:since|after|before) your\b"
    r"|\bwe (?:treated|saw|operated on|injected|did your|drained|removed|dissolved|redid|"
    r"re-?did|revised|corrected)\b"
    r"|\b(?:our|my) (?:records|chart|notes) (?:show|say|indicate)"
    r"|\bit was (?:a pleasure|great|lovely|so nice) (?:treating|seeing|having) you\b"
    r"|\bthank you for (?:choosing|trusting) (?:us|dr\.?\s+\w+)\s+(?:with|for)\b"
    r"|\bthanks for (?:choosing|trusting) (?:us|dr\.?\s+\w+)\s+(?:with|for)\b"
    r"|\bwelcome back\b"
    r"|\bour (?:patient|client)\b(?! coordinator| care| advocate| experience| portal| services|"
    r" educator| liaison)"
    r"|\b(?:was|were) (?:seen|treated|operated on|injected)\b|"
    r"\bdeclined (?:the )?(?:recommended )?(?:treatment|surgery|procedure)"
    r"|\b(?:refunded|charged|billed|balance)\b[^.!?]{0,30}\byour\b|\bon file\b|"
    r"\bwe have you (?:down|scheduled|booked)\b"
    r"|\bwe saw (?:you|your)\b|\bsaw you (?:on|at|for|yesterday|last)\b|\bhaving you in\b"
    r"|\bwe(?:['’]re| are) (?:so )?sorry (?:your|that your|about your)\b"
    # Contacting, holding or sending something for a patient: "we tried calling you about",
    # "we've sent the refund form to", "love having you as a patient".
    r"|\b(?:tried|trying) (?:to )?(?:call|calling|reach|reaching|text|texting|e-?mail|"
    r"e-?mailing) (?:you|u)\b|\bwe (?:called|texted|e-?mailed) (?:you|u)\b"
    r"|\b(?:having|have) (?:you|u) as (?:a|an|our) (?:patient|client)\b"
    r"|\bwe(?:['’]ve| have)? sent (?:you |u )?(?:your|ur|the) (?:[\w-]+ )?(?:refund|instructions|"
    r"forms?|results|prescription|script|invoice|receipt|records|paperwork)\b"
    r"|\bwe (?:got|received|have) (?:your|ur) (?:photos|pics|pictures|forms?|paperwork|"
    r"deposit|payment|results|labs)\b"
    r"|\b(?:lovely|great|nice|good|so nice|a pleasure|wonderful) (?:to )?(?:see|seeing|meet|"
    r"meeting) (?:you|u) (?:at|in|today|yesterday|on|last|this)\b"
    r"|\bthank (?:you|u) for being (?:with us|a (?:loyal |long-?time )?(?:patient|client))\b"
    # A return visit already planned, or someone's recovery reported: "see u in 3 months
    # for your next round", "hope she's healing well".
    r"|\bsee (?:you|u|ya) in (?:\d+|a few|two|three|four|six|a couple of) (?:weeks?|months?)\b"
    r"|\byour next (?:round|top[- ]?up)\b"
    r"|\b(?:she|he|they)(?:['’]s|['’]re| is| are) (?:healing|recovering)\b"
    # "Next time you come in for...": they have been in before.
    r"|\bnext time (?:you|u) (?:come|are|stop|pop|swing) (?:in|by|back)\b"
    r"|\b(?:glad|happy|hope|great) (?:the|your|ur) (?:[\w-]+ )?(?:recovery|healing|results?|"
    r"swelling) (?:is|are) (?:going|coming|settling|healing)\b"
    # Spanish replies: "tu cita", "tu retoque", "tu experiencia con el láser", "atenderte".
    r"|\b(?:tu|su)\s+(?:[\wáéíóúñ]+\s+){0,2}?(?:cita|tratamiento|cirug[ií]a|retoque|consulta|"
    r"procedimiento|resultados?|recuperaci[oó]n|relleno|labios|nariz|operaci[oó]n|"
    r"experiencia con)\b"
    r"|\b(?:atenderte|atenderla|atenderlo)\b"
    # A booked visit named to the person, a return for more care, the reader called a
    # patient (issue 11's reference cases): "See you Tuesday for your consultation!",
    # "come back for a touch-up", "you were such a fun patient".
    rf"|\bsee (?:you|u|ya) (?:on |this |next )?{_DAYS}\b[^.!?]{{0,25}}\bfor (?:your|ur|the|a)\b"
    r"|\b(?:come|coming|pop|swing) (?:back|in again)\b[^.!?]{0,20}\bfor (?:a|your|ur|another)\s+"
    r"(?:quick\s+|little\s+|free\s+)?(?:touch[- ]?up|top[- ]?up|follow[- ]?up|refresh|check[- ]?in|"
    r"round|session|syringe)"
    r"|\b(?:you(?:['’]re| are| were)|u r|u were|u are|ur) (?:such |so |the |a |an |our )*"
    r"(?:[\w-]+ )?"
    r"(?:patient|client)\b(?! coordinator| care| advocate| experience| portal)",
    re.IGNORECASE,
)
# A caption that says what "our patient" had is about one person's care, identifier or
# not: "Our patient just had her third Botox session".
_OUR_PATIENT_HAD = re.compile(
    r"\b(?:our|this|today['’]s) (?:\w+ )?(?:patient|client)\b(?! coordinator| care| advocate|"
    r" experience| portal)"
    r"[^.!?]{0,30}?\b(?:just )?(?:had|got|did|came in|finished|completed|underwent|is now|"
    r"was|from)\b"
    r"|\bone of our (?:\w+ ){0,2}(?:patients|clients)\b"
    r"|\b(?:came|popped|stopped) in (?:together |today |this morning |yesterday )?for "
    r"(?:her|his|their|matching)\b"
    r"|\bour \d{1,2}(?::\d\d)?(?: ?(?:am|pm))? (?:today|appt|appointment|this morning)\b",
    re.IGNORECASE,
)
_CAPTION_CARE = re.compile(
    rf"\b(?:{_CARE}|had|did|treated|patient|transformation|post[- ]?op|before and after|"
    r"before/after|b&a|glow[- ]?up|lips|nose job|boob job)\b",
    re.IGNORECASE,
)


class ConfirmationRecognizer:
    name = "confirmation"
    kinds = OUTBOUND

    def analyze(self, ctx: TextContext, identifiers_found: bool = False) -> list[Finding]:
        if ctx.kind == "caption":
            m = _OUR_PATIENT_HAD.search(ctx.text)
            if m is None:
                return []
            return [
                Finding(
                    rule="SCOPE-PHI-IMAGE",
                    category=Category.PATIENT_CONFIRMATION,
                    severity="block",
                    start=m.start(),
                    end=m.end(),
                    text=m.group(),
                    message=(
                        "The caption describes one patient's care; post it only with that "
                        "patient's authorization."
                    ),
                    suggestion="Describe the treatment in general, or attach the authorization.",
                    recognizer=self.name,
                )
            ]
        for m in _SECOND_PERSON.finditer(ctx.text):
            if _INVITATION.search(
                ctx.text[max(0, m.start() - 25) : m.start()]
            ) and not _PAST_CARE.match(ctx.text, m.start()):
                continue
            return [self._finding(ctx, m.start(), m.end())]
        m2 = _RELATIONSHIP.search(ctx.text)
        if m2:
            return [self._finding(ctx, m2.start(), m2.end())]
        return []

    def _finding(self, ctx: TextContext, start: int, end: int) -> Finding:
        return Finding(
            rule="HIPAA-REVIEW-NO-CONFIRM",
            category=Category.PATIENT_CONFIRMATION,
            severity="block",
            start=start,
            end=end,
            text=ctx.text[start:end],
            message=(
                "This confirms the person is a patient or what they had done; a reply or DM "
                "must never confirm the relationship or the care."
            ),
            suggestion="Use the generic reply that neither confirms nor denies a relationship.",
            recognizer=self.name,
        )


def caption_confirmation(ctx: TextContext, identifier_text: str) -> Finding | None:
    """In a caption, an identifier plus what was done confirms who had the treatment."""
    if ctx.kind != "caption":
        return None
    if not _CAPTION_CARE.search(ctx.text) and not any(
        t.lower in lexicon.PROCEDURE_TERMS for t in ctx.tokens
    ):
        return None
    return Finding(
        rule="SCOPE-PHI-IMAGE",
        category=Category.PATIENT_CONFIRMATION,
        severity="block",
        start=None,
        end=None,
        text=identifier_text,
        message=(
            "The caption ties an identifiable person to a treatment; post it only with a "
            "valid authorization that covers the name or handle."
        ),
        suggestion="Remove the name or tag, or attach the patient's authorization.",
        recognizer="confirmation",
    )


# Identifiers only a practice holding a record would write to someone: their record,
# insurance or account number, their home address, a date next to their care. A phone or
# e-mail alone is not: "send the photos to <staff address>" is about the practice.
_HELD = frozenset(
    {
        Category.PHI_ID,
        Category.PHI_LOCATION,
        Category.PHI_DATE,
        Category.PHI_AGE,
    }
)


def reply_confirmation(ctx: TextContext, phi: list[Finding]) -> Finding | None:
    """In a reply or DM, a record number, address, age or date of the person, written
    next to care, shows the practice holds their record: that confirms the relationship
    even without "your surgery" phrasing ("Policy # UHC-77... is on file, pre-auth went
    through")."""
    held = [f for f in phi if f.category in _HELD]
    if not held:
        return None
    if not any(f.category is Category.PHI_ID for f in held) and not (
        _CAPTION_CARE.search(ctx.text)
        or any(t.lower in lexicon.PROCEDURE_TERMS for t in ctx.tokens)
    ):
        return None
    first = held[0]
    return Finding(
        rule="HIPAA-REVIEW-NO-CONFIRM",
        category=Category.PATIENT_CONFIRMATION,
        severity="block",
        start=first.start,
        end=first.end,
        text=first.text,
        message=(
            "Writing the person's record number, address, age or visit date next to "
            "their care confirms they are a patient."
        ),
        suggestion="Use the generic reply that neither confirms nor denies a relationship.",
        recognizer="confirmation",
    )
