"""Inbound comments: what a moderator must do with each one.

Post-op and personal medical questions go to the treating team privately, through a
secure channel (ASPS-SECURE-CHANNEL: strangers online should not answer them, and
neither should the practice in public); a patient's
self-disclosure must never be confirmed (SCOPE-SELF-DISCLOSED); a negative review gets
only the generic reply (HIPAA-REVIEW-NO-CONFIRM; FTC-CRR-SUPPRESSION forbids threats);
spam is hidden and never engaged with (MOD-SPAM-REMOVAL).
"""

from __future__ import annotations

import re

from clearpost.engine.text.context import TextContext
from clearpost.engine.text.model import Category, Finding, Kind, Severity

_I = re.IGNORECASE

_SYMPTOM = (
    r"(?:swelling|swollen|bruis\w*|pain|painful|hurts?|hurting|sore|numb\w*|tingl\w*|itch\w*|"
    r"red(?:ness)?|hot to the touch|warm|fever|oozing|leak\w*|discharge|pus|bleed\w*|blister\w*|"
    r"lumps?|bumps?|hard|firm|asymmetr\w*|uneven|droop\w*|drain|stitches|sutures|incision|scar\w*|"
    r"infect\w*|rash|tight|nause\w*|dizz\w*|headache|seroma|hematoma|capsular|migrat\w*|"
    r"dissolv\w*|hyaluronidase|compression|garment|shower|exercise|workout|work out|working out|"
    r"flight|fly|travel|swim|drink|alcohol|watery|tearing|dry|crust\w*|scab\w*|peel\w*|flak\w*|"
    r"ibuprofen|advil|tylenol|arnica|antibiotics?|medication|meds|sleep on|lie on|sleep|"
    r"breastfeeding|breast feeding|nursing|pregnant|pregnancy|blood thinners?|facial|sit|"
    r"sitting|drive|driving|bend|lift(?:ing)?)"
)
_QUESTION = re.compile(
    rf"\b(?:is (?:it|this) (?:normal|ok|okay|safe|bad)|is (?:\w+ ){{1,3}}(?:normal|expected|ok|"
    rf"okay)|should i|can i|can (?:you|u) (?:get|have|do)|when can i|how long|"
    r"do i need|is there something wrong|what do i do|what should i|will (?:it|the|my)|"
    r"does (?:this|that) mean|am i|why is my|why does my|how do i|is my|are my|"
    r"anyone else|has anyone|could this be|what (?:can|could) (?:i|it)|help)\b"
    rf"[^.!]{{0,80}}(?:{_SYMPTOM}|post[- ]?op|after (?:my |a |an |the |"
    rf"your )?(?:[\w-]+ ){{0,2}}(?:surgery|procedure|filler|botox|lipo|"
    r"augmentation|tummy tuck|bbl|rhinoplasty|facelift|implant|treatment|lift|reduction|"
    r"injections?)|"
    r"day \d+|week \d+|\d+ (?:days?|weeks?) (?:out|post|after))",
    _I,
)
# "can i get a bbl if my mom signs", "can u still do filler while breastfeeding": whether
# this person may have a treatment. Spanish: "¿cuánto tiempo tengo que esperar ... lipo?".
_QUESTION_ELIGIBLE = re.compile(
    # How much this person needs, whether it works on their skin: a consultation question.
    r"\bhow many (?:units|syringes|sessions|ml|cc) (?:would|do|will|should) (?:i|u) need\b"
    r"|\bdoes (?:\w+ ){1,3}work (?:on|for) (?:my|dark|darker|black|brown|thin|oily|sensitive|"
    r"older)\b|"
    r"\bcan (?:i|u|you|we) (?:still |even )?(?:get|have|do)\b[^.!?]{0,40}\b(?:if|while|when|"
    r"since|with)\b"
    r"|¿?\s*(?:cu[aá]nto tiempo|puedo|es normal|debo|cu[aá]ndo puedo)\b[^?]{0,80}\b(?:despu[eé]s|"
    r"lipo|cirug[ií]a|relleno|botox|operaci[oó]n|hinchaz[oó]n|moret[oó]n|ejercicio)",
    _I,
)
_QUESTION_REVERSED = re.compile(
    rf"\b(?:my|i have|i['’]?ve got|i['’]?m)\b[^?]{{0,100}}{_SYMPTOM}[^?]{{0,100}}\?",
    _I,
)
_SELF = re.compile(
    r"(?:^|[.!?]\s*)(?:had|got|did) my\b|\b(?:weeks?|days?|months?) (?:after|since|post) my\b|"
    r"\b(?:i had my|i got my|i had (?:a |an |the )?(?:surgery|procedure|lipo|bbl|tummy tuck|"
    r"rhinoplasty|"
    r"breast|facelift|filler|botox|injections|lip|augmentation|consult)|"
    r"(?:dr\.?|doctor) \w+ (?:did|fixed|redid|injected|operated on) my|you (?:guys )?(?:did|"
    r"fixed|redid|injected) my|"
    r"(?:thanks|thank you) for my (?:new|amazing|beautiful)|my (?:surgery|procedure|surgeon|"
    r"injector|"
    r"lipo|bbl|tummy tuck|rhinoplasty|nose job|boob job|implants|filler|botox|lips|new nose|"
    r"results|"
    r"recovery|post[- ]?op|appointment|consult) (?:with|at|here|from|by|was|is|went|last|"
    r"yesterday|on)|"
    r"i['’]?m (?:a |one of your |your )?(?:patient|client)|i was (?:a |your )?patient|"
    r"(?:just|finally) had my|post[- ]?op day \d+ (?:and|here)|since my (?:surgery|procedure)|"
    r"after my (?:surgery|procedure|lipo|bbl|tummy tuck|rhinoplasty|augmentation|filler|botox|"
    r"treatment)|"
    r"love my (?:new|results|lips|nose)|(?:my|me) (?:before and after|b&a)|"
    r"\d+ (?:days?|weeks?|months?) post[- ]?op|my (?:incision|drain|stitches|implants?|sutures|"
    r"surgeon|results)\b|"
    r"\bhad (?:her|his|my) [\w ]{1,20} done\b|\bgot (?:her|his|my) [\w ]{1,20} done\b|"
    # "got my first filler here", "my filler migrated", "my lips ... after filler", "goes
    # to you guys too". A complaint ("they botched my lips") stays a negative review.
    r"\b(?:got|had) my\b[^.!?]{0,40}\b(?:here|with you(?: guys)?)\b|"
    r"\bmy (?:filler|fillers|botox|implants?|lip filler) (?:migrated|moved|is|are|has|have|"
    r"looks?|feels?|went|lasted|dissolved|still)\b|"
    r"\bmy (?:lips|nose|face|chin|cheeks|eyes|eyelids|breasts|boobs|tummy|stomach|butt|jaw)\b"
    r"[^.!?]{0,60}\b(?:after|since|post)\b|"
    r"\b(?:go|goes|went|come|comes) (?:to you|here)(?: guys)?,? too\b|"
    # "this place did my nose", "they took off my skin cancer spot": the practice as the
    # subject of care on the writer's body. "They botched my lips" stays a complaint.
    # Pointing someone out as a patient here: "isn't this where u got ur chin done", "this
    # is the place your mom went for her eyelids", "paid $800 for cheek filler".
    r"\b(?:isn['’]?t|is) (?:this|that) (?:where|the place) (?:u|you|ur|your|yr) (?:\w+ )?"
    r"(?:got|had|went|did)\b|\bthis is (?:the place|where) (?:u|you|ur|your|yr) (?:\w+ )?"
    r"(?:got|had|went|did)\b|\bpaid \$?\d[\d,]* for (?:my |the |her |his )?(?:\w+ )?(?:filler|"
    r"botox|lipo|bbl|lips|facial|peel|laser|surgery|tox)\b|"
    r"\b(?:this place|these guys|you guys|y['’]?all|they|dr\.? \w+) (?:did|fixed|redid|"
    r"took off|removed|injected|lasered|treated|operated on|sculpted|filled) my\b|"
    # Booked or about to happen: "can't wait for my consult next week".
    # A booked consult alone is not (the development set's convention: "Can't wait for my
    # consult next month!" passes); booked surgery or treatment is.
    r"\b(?:can['’]?t wait for|nervous (?:about|for)|excited for|ready for) my (?:surgery|"
    r"procedure|lips|filler|botox|lipo|bbl|tummy tuck)\b|"
    r"\bmy (?:surgery|procedure) (?:is )?(?:next|this|tomorrow|today|on|in)\b|"
    # "mine is still hard": the writer's own result, after a question about it.
    r"\bmine (?:is|are) still\b|"
    # Spanish: "me hice los labios aquí", "me operaron hace una semana".
    r"\bme (?:hice|hicieron|puse|pusieron|operaron|inyectaron|oper[eé])\b)",
    _I,
)
_NEGATIVE = re.compile(
    r"\b(?:botch(?:ed)?|worst|terrible|horrible|awful|ruin(?:ed)?|lawsuit|sue you|suing|lawyer|"
    r"attorney|"
    r"never again|never going back|unprofessional|scam(?:mers)?|malpractice|rude|waste of money|"
    r"rip[- ]?off|(?:1|one)[- ]star|disaster|nightmare|disgusting|incompetent|butcher(?:ed)?|"
    r"avoid (?:this|them|at all costs)|stay away|do not go|don['’]t go|refund|disappointed|"
    r"regret|deformed|disfigured|left me with|messed up|mess up|screwed up|ignored my|"
    r"no one called|nobody calls?|(?:nobody|no one) (?:will |ever |even )?(?:call|calls|called|"
    r"gets?|got|answers?) (?:me )?back|(?:is|what) a joke|shocking|appalling|dreadful|"
    r"(?:poor|bad|awful) (?:customer )?service|waiting (?:\w+ ){0,2}(?:days|weeks|months) for|"
    # Spanish complaints: "no vuelvo nunca", "me cobraron de más", "pésima atención".
    r"no vuelvo|nunca m[aá]s|me cobraron de m[aá]s|p[eé]sim[oa]|mala atenci[oó]n|"
    r"no (?:lo |la )?recomiendo|estafa|upsold|ended up in the er|overpriced|total ripoff|"
    r"(?:should be|are|is) ashamed|in agony|looks? like a duck|can['’]?t even tell)\b",
    _I,
)
_SPAM = re.compile(
    r"https?://|www\.|\bbit\.ly\b|\bdm (?:me|us) (?:for|to)\b|\bcheck (?:out )?my (?:bio|page|"
    r"profile|link)\b|"
    r"\blink in (?:my )?bio\b|\bcrypto\b|\bbitcoin\b|\bforex\b|\binvest(?:ment|"
    r"ing)? (?:opportunity|platform)\b|"
    r"\b(?:buy|cheap|real|free|get|more) (?:\w+ )?(?:followers|likes|views)\b|"
    r"\bdm (?:me )?for (?:prices|price|info|details|rates)\b|\bfollow (?:me|back)\b|\bpromo code\b|"
    r"\bwhats ?app\b|\btelegram\b|\bearn \$|\$\d+[k]? (?:a|per) (?:day|week)\b|\bclick (?:the|"
    r"my) link\b|"
    r"\bfree iphone\b|\bgift ?card\b|\bsugar (?:daddy|mommy)\b|\bonlyfans\b|\bcollab\?? dm\b|"
    r"\bpromote (?:your|this) (?:page|account)\b|\bsend (?:it )?to @\w+\b|\bget verified\b|"
    r"\bdm me\W*$|(?<!questions )(?<!questions, )\b(?:message|msg|inbox|pm) me\b|\bfast (?:\w+ )?(?:delivery|shipping)\b|"
    # Phishing posing as the platform, and door-to-door injectors.
    r"\b(?:verify|confirm) (?:your )?(?:login|account|page|identity)?\s*at\b|\bpage (?:violates|"
    r"has violated|will be (?:deleted|disabled|removed))|\baccount (?:has been|was|will be) "
    r"(?:flagged|suspended|disabled|deleted)\b|\bofficial (?:meta|instagram|facebook|tiktok) "
    r"support\b|\bi come to (?:ur|your) (?:house|home|place)\b|\$\d+ ?/ ?syringe\b|"
    r"\bwholesale\b|\bcheap\b[^.!?]{0,30}\b(?:kits?|products?|pens?|vials?)\b|"
    # Sending readers to another account: "DM @glowdeals.tx", "Follow @x for giveaways".
    r"\bdm @[\w.]+|\bfollow @[\w.]+ for\b|\bno licen[cs]e needed\b",
    _I,
)


class InboundRecognizer:
    name = "inbound"
    kinds: frozenset[Kind] = frozenset({"comment"})

    def analyze(self, ctx: TextContext) -> list[Finding]:
        findings: list[Finding] = []
        checks: tuple[tuple[re.Pattern[str], Category, str, Severity, str], ...] = (
            (
                _SPAM,
                Category.SPAM,
                "MOD-SPAM-REMOVAL",
                "block",
                "Spam, a scam or a solicitation: hide it and do not engage.",
            ),
            (
                _NEGATIVE,
                Category.INBOUND_NEGATIVE_REVIEW,
                "HIPAA-REVIEW-NO-CONFIRM",
                "review",
                "A complaint about care: reply only with the generic message, never with details, "
                "and never threaten or suppress the review.",
            ),
            (
                _SELF,
                Category.INBOUND_SELF_DISCLOSURE,
                "SCOPE-SELF-DISCLOSED",
                "review",
                "The commenter says they are a patient; never confirm it or add detail.",
            ),
        )
        for pattern, category, rule, severity, message in checks:
            m = pattern.search(ctx.text)
            if m:
                findings.append(self._finding(ctx, m, category, rule, severity, message))
        q = (
            _QUESTION.search(ctx.text)
            or _QUESTION_REVERSED.search(ctx.text)
            or _QUESTION_ELIGIBLE.search(ctx.text)
        )
        if q:
            findings.append(
                self._finding(
                    ctx,
                    q,
                    Category.INBOUND_MEDICAL_QUESTION,
                    "ASPS-SECURE-CHANNEL",
                    "review",
                    "A personal medical question: redirect privately to the treating team; "
                    "do not answer in public.",
                )
            )
        return findings

    def _finding(
        self,
        ctx: TextContext,
        m: re.Match[str],
        category: Category,
        rule: str,
        severity: Severity,
        message: str,
    ) -> Finding:
        return Finding(
            rule=rule,
            category=category,
            severity=severity,
            start=m.start(),
            end=m.end(),
            text=m.group(),
            message=message,
            recognizer=self.name,
        )
