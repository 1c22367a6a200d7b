"""Patient names, in any case, including names that are also ordinary words.

Why not an NER model: none installs offline here, and captions are short, informal and
often lowercase or ALL-CAPS, where capitalisation-driven NER fails anyway. Instead a
name list (Census + Faker locales) decides *whether a word can be a name*, and context
decides *whether it is one*: "Hope looks amazing" vs "we hope you love it". Clinicians
("Dr. Rivera"), the practice's own terms and product names (Botox, Kybella) are never
patient names.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from clearpost.engine.text import lexicon
from clearpost.engine.text.context import TextContext, Token
from clearpost.engine.text.model import Category, Finding
from clearpost.engine.text.recognizers import ALL_KINDS

RULE = "HIPAA-DEID-SAFE-HARBOR-18"
MESSAGE = "A person's name next to a practice's post or reply identifies who was treated."

TITLES_CLINICIAN = frozenset(
    {"dr", "doctor", "dra", "prof", "professor", "nurse", "np", "pa", "rn", "injector"}
)
TITLES_PERSON = frozenset({"mr", "mrs", "ms", "miss", "mx", "mister", "madam"})
# Kinship words used like titles: "Grandma Bea", "Auntie Jo", "my sister Dani".
KIN_TITLES = frozenset(
    {
        "grandma",
        "grandpa",
        "granny",
        "nana",
        "nanna",
        "auntie",
        "aunt",
        "uncle",
        "cousin",
        "sister",
        "brother",
        "husband",
        "wife",
        "daughter",
        "son",
        "niece",
        "nephew",
        "mom",
        "mum",
        "dad",
        "twins",
        # People near someone, used the same way: "my coworker Destiny", "my mate Tasha".
        "coworker",
        "co-worker",
        "colleague",
        "neighbor",
        "neighbour",
        "roommate",
        "friend",
        "bff",
        "boss",
        "fiance",
        "fiancé",
        "fiancee",
        "boyfriend",
        "girlfriend",
        "mate",
    }
)
# Person nouns placed before a name in apposition: "Retired firefighter Ray", "Marathoner
# Priyanka". Titles of clinicians are handled separately.
ROLE_BEFORE = frozenset(
    {
        "firefighter",
        "teacher",
        "marathoner",
        "runner",
        "veteran",
        "officer",
        "coach",
        "barista",
        "bride",
        "groom",
        "mommy",
        "momma",
        "student",
    }
)
# A team member introduced with their role is the practice's own, not a patient: "Meet
# Joy, our patient coordinator", "our lead injector Brianna", "ask for Denise at the
# front desk". The role noun must be a staff role; "our patient Sarah" stays a patient.
STAFF_ROLE_WORDS = frozenset(
    {
        "coordinator",
        "injector",
        "esthetician",
        "aesthetician",
        "receptionist",
        "scheduler",
        "concierge",
        "surgeon",
        "physician",
        "practitioner",
        "hygienist",
        "dermatologist",
        "anesthesiologist",
        "anaesthetist",
        "technician",
    }
)
_ROLE_NOUN = (
    r"(?:coordinator|injector|nurse(?: injector| practitioner)?|esthetician|aesthetician|"
    r"receptionist|(?:office |practice |clinic )?manager|surgeon|doctor|physician|pa-?c|pa|np|"
    r"rn|practitioner|(?:medical |surgical )?assistant|scheduler|concierge|founder|co-?founder|"
    r"owner|(?:medical )?director|hygienist|specialist|technician|tech|therapist|consultant|"
    r"team member|provider|dermatologist|anaesthetist|anesthesiologist|lead|front desk|"
    r"(?:skin|laser|beauty|lash|brow) (?:expert|guru|artist)|artist|expert)"
)
_ROLE_PHRASE = rf"(?:[\w'’-]+\s+){{0,3}}?{_ROLE_NOUN}"
_STAFF_AFTER = re.compile(
    rf"\s*(?:,|\(|-|–|—)?\s*(?:(?:who )?is |(?:she|he)['’]s )?"
    rf"(?:our|the practice['’]s|the clinic['’]s|the office['’]s|your)\s+{_ROLE_PHRASE}\b"
    rf"|\s+(?:at|on|from) (?:our|the) front desk\b",
    re.IGNORECASE,
)
_STAFF_BEFORE = re.compile(
    rf"\b(?:our|your)\s+{_ROLE_PHRASE}\s*[,:]?\s*$"
    r"|\b(?:ask for|speak (?:to|with)|talk (?:to|with)|book (?:in )?with|schedule with|"
    r"appointment with|consult(?:ation)? with|ask (?:our|your) (?:team|office) for)\s+$",
    re.IGNORECASE,
)


def _staff_introduced(ctx: TextContext, tok: Token) -> bool:
    """The practice introducing or pointing to one of its team, by role or by an invitation
    to ask for them; or a role the profile names next to the name."""
    if _STAFF_AFTER.match(ctx.text, tok.end):
        return True
    if _STAFF_BEFORE.search(ctx.text[max(0, tok.start - 60) : tok.start]):
        return True
    roles = ctx.profile.staff_roles
    if roles:
        window = ctx.lower[tok.end : tok.end + 60]
        before = ctx.lower[max(0, tok.start - 60) : tok.start]
        return any(r in window[:40] or before.endswith(r + " ") for r in roles)
    return False


_FAMILY = re.compile(
    r"\b[Tt]he ([A-Z][a-z]+(?:-[A-Z][a-z]+)?) (?:family|families|sisters|brothers|twins|"
    r"household|girls|boys|clan|siblings)\b"
)
# Words that introduce a name outright: "Guadalupe aka Lupe".
NAMING_WORDS = frozenset({"aka", "named", "nicknamed", "called"})
# Words right before a word that make it a name: "thank you, Grace", "meet Hope".
STRONG_BEFORE = frozenset(
    {
        "thanks",
        "thank",
        "thx",
        "ty",
        "congrats",
        "congratulations",
        "hi",
        "hey",
        "hello",
        "dear",
        "welcome",
        "meet",
        "patient",
        "client",
        "bride",
        "shoutout",
        "miss",
        "aka",
        "omg",
        "aww",
        "awww",
        "yay",
    }
)
# Words right after a word that make it a name: "Hope looks", "Grace's".
STRONG_AFTER = frozenset(
    {
        "looks",
        "look",
        "looked",
        "got",
        "came",
        "loves",
        "loved",
        "said",
        "says",
        "did",
        "shared",
        "rocking",
        "rocked",
        "chose",
        "trusted",
        "healed",
        "went",
        "wanted",
        "sent",
        "told",
        "wrote",
        "decided",
        "finally",
        "feels",
        "felt",
        "drove",
        "flew",
        "traveled",
        "travelled",
        "booked",
        "treated",
        "underwent",
        "opted",
    }
)
# Words right before an ambiguous name-word that make it an ordinary word.
WEAK_BEFORE = frozenset(
    {
        "we",
        "i",
        "you",
        "they",
        "to",
        "will",
        "would",
        "ll",
        "can",
        "could",
        "may",
        "might",
        "must",
        "shall",
        "should",
        "really",
        "truly",
        "do",
        "don",
        "dont",
        "the",
        "a",
        "an",
        "this",
        "next",
        "last",
        "of",
        "in",
        "for",
        "with",
        "your",
        "our",
        "my",
        "her",
        "his",
        "their",
        "its",
        "so",
        "that",
        "all",
        "every",
        "and",
        "or",
        "by",
        "at",
        "on",
        "is",
        "was",
        "be",
        "just",
        "only",
        "not",
        "no",
        "what",
        "full",
        "pure",
        "true",
        "more",
        "much",
        "great",
        "good",
        "little",
    }
)
STRONG_BEFORE_PHRASES = frozenset(
    {
        "thank you",
        "thank u",
        "thank you to",
        "thank u to",
        "our girl",
        "our guy",
        "ur girl",
        "our fave",
        "our favorite",
        "our favourite",
        "proud of",
        "shoutout to",
        "shout out to",
        "out to",
        "congrats to",
        "congratulations to",
        "thanks to",
        "love you",
        "miss you",
        "welcome back",
        "grateful for",
        "love to",
        "happy for",
        "hats off to",
        "cheers to",
        "meet our",
        "say hi to",
        "say hello to",
        "our patient",
        "our client",
        "our lovely",
        "our beautiful",
        "our amazing",
        "sending love to",
        "big thanks to",
        "huge thanks to",
        "huge congrats to",
        "one and only",
        "our sweet",
        "our gorgeous",
        "our stunning",
        "our darling",
        "our queen",
        "our fav",
        "happy healing to",
        "healing vibes to",
    }
)
# A possessive name before a body part or result: "Look at Dev's jawline", "Throwback to
# Tay's lip journey". After these prepositions the word would otherwise read as a word.
_POSSESSIVE_BODY = re.compile(
    r"['’]s\s+(?:new\s+|fresh\s+)?(?:lips?|nose|jaw|jawline|chin|brows?|eyes|eyelids|skin|face|"
    r"results?|journey|transformation|glow[- ]?up|recovery|profile|smile|cheeks?|neck|body|"
    r"tummy|abs|waist|booty|before|after|b&a|lip|filler|botox|botox|laser|facial|lift)\b",
    re.IGNORECASE,
)
_POSSESSIVE_PREPS = frozenset({"at", "to", "on", "for", "with"})
# "Ty for the 5 stars Hunter 💪", "Thanks for the review Ashley!": the thanks addresses the
# name that closes the clause.
_THANKS_FOR = re.compile(r"\b(?:thanks|thank you|thank u|ty|thx)\s+for\s+[^.!?,]{1,40}\s$")
# Interjections before a vocative: "lol Chip you're hilarious", "omg Sunny you look".
_INTERJECTIONS = frozenset(
    {"lol", "omg", "haha", "hahaha", "lmao", "lmfao", "aww", "awww", "yo", "ok", "okay", "oh"}
)
_ADDRESSED_AFTER = re.compile(r"\s+(?:you['’]re|you are|u r|ur so|you look|you were)\b")
# A reply or DM opening with the addressee: "Angel we've tried calling you", "Kim your
# forms are ready".
_MESSAGE_START_AFTER = re.compile(
    r"\s*,?\s+(?:we|we['’]ve|we['’]re|we['’]ll|you['’]re|your|ur|just)\b"
)
# Name-words that open a sentence as verbs or modals ("Hope you're well", "Will you...").
VERB_LIKE = frozenset(
    {
        "will",
        "may",
        "hope",
        "wish",
        "trust",
        "pray",
        "love",
        "miss",
        "bless",
        "can",
        "mark",
        "grant",
        "sue",
        "pat",
        "rob",
        "bill",
        "chase",
        "glad",
        "just",
    }
)
# A staff member's first name reused for someone else: "Marcus from my gym".
_SOCIAL_PLACE_AFTER = re.compile(
    r"\s+from\s+(?:my|our|the|his|her)\s+(?:[\w'’-]+\s+){0,3}?(?:gym|class|church|team|club|"
    r"school|work|job|neighbou?rhood|building|league|yoga|pilates|crossfit|bible study|"
    r"book club|college|dorm)\b",
    re.IGNORECASE,
)
_PRONOUN_AFTER = re.compile(
    r"\s+(?:she|he|they|you|u|we|it|i|ur|your|yours|this|that|everyone|all)\b"
)
# Words a reply opens with that are not the addressee: "Sorry, we're fully booked".
REPLY_OPENERS = frozenset(
    {
        "sorry",
        "perfect",
        "noted",
        "absolutely",
        "awesome",
        "congrats",
        "cheers",
        "welcome",
        "sure",
        "yes",
        "great",
        "wonderful",
        "amazing",
        "lovely",
        "brilliant",
        "done",
        "confirmed",
        "thanks",
        "thank",
        "apologies",
        "unfortunately",
        "honestly",
        "update",
        "reminder",
    }
)
# Interjected words that are not names: "lol stop you're killing me", "omg queen you're".
ADDRESS_WORDS = frozenset(
    {
        "stop",
        "wait",
        "dang",
        "damn",
        "same",
        "yes",
        "yeah",
        "yep",
        "nah",
        "no",
        "okay",
        "bruh",
        "man",
        "guys",
        "yall",
        "queen",
        "king",
        "honey",
        "sweetie",
        "girl",
        "boo",
        "babes",
        "friend",
        "friends",
        "ladies",
        "sir",
        "maam",
        "mama",
        "mamas",
        "sister",
        "bestie",
        "love",
        "hun",
    }
)
_GREETINGS = frozenset({"hi", "hey", "hello", "dear", "hiya", "morning"})
POSSESSIVE_WORDS = frozenset({"my", "her", "his", "our", "your", "their", "ur"})
# Spanish function words that are also names in the lists ("una", "sol").
_SPANISH_FUNCTION = frozenset(
    {"una", "uno", "unas", "unos", "del", "las", "los", "mis", "tus", "su", "sus", "pero"}
)
_SPANISH_HINT = re.compile(
    r"\b(?:de|la|el|que|y|me|en|por|para|con|muy|mi|tu|se|lo|aqu[ií]|gracias|hola)\b"
)
# "Hope is healing well" but not "Hope is not a strategy".
LINKING = frozenset({"is", "was", "has", "had"})
AFTER_LINKING = frozenset(
    {
        "healing",
        "healed",
        "glowing",
        "loving",
        "thrilled",
        "back",
        "recovering",
        "doing",
        "feeling",
        "officially",
        "absolutely",
        "looking",
        "rocking",
        "showing",
        "sharing",
        "ready",
        "home",
        "her",
        "his",
        "their",
    }
)
# Words after a candidate that show it names a place or thing, not a person.
NOT_PERSON_NEXT = frozenset(
    {
        "office",
        "offices",
        "clinic",
        "location",
        "locations",
        "area",
        "branch",
        "downtown",
        "metro",
        "filter",
        "street",
        "st",
        "avenue",
        "ave",
        "road",
        "rd",
        "blvd",
        "boulevard",
        "lane",
        "drive",
        "county",
        "city",
        "airport",
        "hotel",
        "university",
        "college",
        "school",
        "high",
        "method",
        "bar",
    }
)
_VOCATIVE_CUE = re.compile(
    r"(?:thank you|thank u|thanks|thx|congrats|congratulations|welcome(?: back)?|dear|hi|hey|"
    r"hello|meet|omg|aww+|"
    r"love you|miss you|proud of|shout ?out to|go|yay)[ ,]+$"
)
_SECOND_PERSON = re.compile(r"\byou(?:r|['’]re|['’]ll|['’]ve)?\b")
MONTH_WORDS = frozenset({"may", "june", "april", "august", "march"})
_NUMBER_AFTER = re.compile(r"\s*\d")
_VOCATIVE_END = re.compile(r"\s*(?:[!.?,;:)]|$|[\U0001F300-\U0001FAFF\u2600-\u27BF])")
_LIST_AFTER = re.compile(r",\s*[^\W\d_]+\s*(?:,|and\b|&)", re.IGNORECASE)
# "Valentine's Day", "St Patrick's Day", "Mother's Day": a holiday, not a person.
_HOLIDAY_AFTER = re.compile(
    r"['’]?s\s+(?:day|eve)\b|(?:\s+(?:luther|king|jr\.?)){1,3}\s+(?:jr\.?\s+)?day\b",
    re.IGNORECASE,
)
# Words that are not a person here, whatever the name lists say: a pet ("his dog Rocco"),
# a month before a day ("Jan 19"), a season arriving ("Summer's coming"), a holiday
# ("Martin Luther King Jr. Day"), a word stretched for emphasis ("stoppp").
_PET_BEFORE = re.compile(
    r"\b(?:dog|dogs|pup|puppy|cat|kitty|kitten|pet|pets|horse|pony|bunny|doggo|fur ?baby)"
    r"(?:['’]s name is)?\s*,?\s*$",
    re.IGNORECASE,
)
_MONTH_ABBR = frozenset(
    {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)
_DAY_AFTER = re.compile(r"\.?\s*\d{1,2}(?:st|nd|rd|th)?\b")
_SEASON_COMING = re.compile(
    r"['’]s\s+(?:coming|here|almost|nearly|around|over|finally)\b"
    r"|\s+is\s+(?:coming|here|almost|nearly|around|over)\b",
    re.IGNORECASE,
)
_SEASONS = frozenset({"summer", "spring", "winter", "autumn", "fall"})
_STRETCHED = re.compile(r"([a-z])\1\1", re.IGNORECASE)
_HOLIDAY_NAMES = re.compile(r"\bmartin luther king\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s\b", re.IGNORECASE)


@lru_cache(maxsize=64)
def _spanish(lower: str) -> bool:
    """Whether the text reads as Spanish (two function words, or an opening ¿ or ¡), once
    per text."""
    if "¿" in lower or "¡" in lower:
        return True
    hits = _SPANISH_HINT.finditer(lower)
    return next(hits, None) is not None and next(hits, None) is not None


def _fold(word: str) -> str:
    """ "siobhán" -> "siobhan": the name lists spell many names without accents."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


class NameRecognizer:
    """Finds patient names by list membership plus context, case-insensitively."""

    name = "names"
    kinds = ALL_KINDS

    def analyze(self, ctx: TextContext) -> list[Finding]:
        plain, ambiguous = lexicon.first_names()
        surnames = lexicon.last_names()
        common = lexicon.common_words()
        tokens = ctx.tokens
        own = ctx.profile.own_tokens
        findings: list[Finding] = []
        skip_until = -1
        i = 0
        n = len(tokens)
        while i < n:
            tok = tokens[i]
            if i <= skip_until or self._inside_code(ctx, tok):
                i += 1
                continue
            low = tok.lower
            if low not in plain and low not in ambiguous:
                low = _fold(low)
            if low in TITLES_CLINICIAN and self._title_follows(ctx, tok, i):
                # "Dr. Ana Rivera": the clinician's names are not a patient's.
                skip_until = i + (2 if i + 2 < n and self._is_nameish(tokens[i + 2]) else 1)
                i += 1
                continue
            if (
                (low in own and not self._staff_name_for_someone_else(ctx, tokens, i))
                or low in lexicon.PROCEDURE_TERMS
                or low in lexicon.NEVER_NAMES
                or _HOLIDAY_AFTER.match(ctx.lower, tok.end)
                or self._not_a_person(ctx, tokens, i)
                or low in STAFF_ROLE_WORDS
                or _staff_introduced(ctx, tok)
            ):
                i += 1
                continue
            prev = tokens[i - 1] if i > 0 and self._adjacent(ctx, tokens[i - 1], tok) else None
            is_name = False
            if prev is not None and prev.lower in TITLES_PERSON:
                is_name = low not in common or low in surnames or low in plain or low in ambiguous
            elif (
                prev is not None
                and prev.lower in NAMING_WORDS
                and low not in lexicon.PROCEDURE_TERMS
            ):
                is_name = low in plain or low in ambiguous or not lexicon.is_word(low)
            elif prev is not None and (prev.lower in KIN_TITLES or prev.lower in ROLE_BEFORE):
                is_name = (
                    low in plain
                    or (low not in common and not lexicon.is_word(low) and len(low) > 2)
                    or (
                        low in ambiguous
                        and (
                            self._capitalised(ctx, tok)
                            or self._owned_kin(ctx, tokens, i)
                            or self._context_says_name(ctx, tokens, i)
                        )
                    )
                )
            elif low in plain:
                is_name = (
                    not self._month_date(ctx, tok)
                    and not self._thing_follows(ctx, i)
                    and not (prev is not None and prev.lower == "the")
                )
            elif low in ambiguous:
                is_name = self._context_says_name(ctx, tokens, i)
            elif (
                self._joined_to_name(ctx, tokens, i, plain, ambiguous)
                or (
                    low not in common
                    and len(low) > 2
                    and not lexicon.is_word(low)
                    and self._strong_context(ctx, tokens, i)
                )
                # "lol Chip you're hilarious", in any case: a word spoken to after an
                # interjection, unless it is an address word ("lol girl you're...").
                or (
                    low not in lexicon.frequent_words()
                    and low not in ADDRESS_WORDS
                    and not low.endswith("ly")
                    and self._interjected(ctx, tokens, i)
                )
                or (
                    self._capitalised(ctx, tok)
                    and low not in lexicon.frequent_words()
                    and self._addressed(ctx, tokens, i, opening=False)
                )
            ):
                is_name = True
            if not is_name:
                i += 1
                continue
            end_idx = i
            while end_idx + 1 < n and end_idx - i < 2:
                nxt = tokens[end_idx + 1]
                if not self._adjacent(ctx, tokens[end_idx], nxt, allow_hyphen=True):
                    break
                nl = nxt.lower
                if nl in own or nl in lexicon.PROCEDURE_TERMS or nl in lexicon.NEVER_NAMES:
                    break
                if nl in surnames or (
                    nxt.text[:1].isupper()
                    and not nxt.text.isupper()
                    and nl not in common
                    and not ctx.text.isupper()
                ):
                    end_idx += 1
                    continue
                break
            start, end = tok.start, tokens[end_idx].end
            findings.append(
                Finding(
                    rule=RULE,
                    category=Category.PHI_NAME,
                    severity="block",
                    start=start,
                    end=end,
                    text=ctx.text[start:end],
                    message=MESSAGE,
                    suggestion=(
                        "Remove the name, or use only the first name the patient authorized."
                        if ctx.kind == "caption"
                        else "Do not name the person; use the generic reply."
                    ),
                    recognizer=self.name,
                )
            )
            i = end_idx + 1
        findings.extend(self._families(ctx, findings, surnames, common))
        return findings

    def _families(
        self,
        ctx: TextContext,
        found: list[Finding],
        surnames: frozenset[str],
        common: frozenset[str],
    ) -> list[Finding]:
        """A surname naming a household: "the Hendricks family", "the Okonkwo sisters"."""
        out: list[Finding] = []
        for m in _FAMILY.finditer(ctx.text):
            word = m.group(1)
            low = word.lower()
            if low in ctx.profile.own_tokens or any(
                f.start is not None
                and f.end is not None
                and f.start < m.end(1)
                and m.start(1) < f.end
                for f in found
            ):
                continue
            if low in common and low not in surnames:
                continue
            out.append(
                Finding(
                    rule=RULE,
                    category=Category.PHI_NAME,
                    severity="block",
                    start=m.start(1),
                    end=m.end(1),
                    text=word,
                    message=MESSAGE,
                    suggestion="Do not name the family.",
                    recognizer=self.name,
                )
            )
        return out

    @staticmethod
    def _owned_kin(ctx: TextContext, tokens: list[Token], i: int) -> bool:
        """ "my wife Amber", "TREVOR'S WIFE AMBER": a kinship word owned by someone names
        the person after it, whatever the case."""
        if i < 2:
            return False
        owner = tokens[i - 2]
        # "TREVOR'S WIFE": the tokeniser splits "TREVOR'S" into "TREVOR" and "S".
        owned = owner.lower in POSSESSIVE_WORDS or (
            owner.lower == "s" and owner.start > 0 and ctx.text[owner.start - 1] in "'’"
        )
        if owned and _PRONOUN_AFTER.match(ctx.lower, tokens[i].end):
            return True  # "tell your sister bree we said hi"
        return owned and bool(
            _VOCATIVE_END.match(ctx.text, tokens[i].end)
            or _POSSESSIVE.match(ctx.text, tokens[i].end)
            or (i + 1 < len(tokens) and tokens[i + 1].lower in STRONG_AFTER | LINKING)
        )

    def _staff_name_for_someone_else(self, ctx: TextContext, tokens: list[Token], i: int) -> bool:
        """A staff first name used alone for another person: the addressee of a reply or DM
        ("Marcus!! we saw your gym selfie", "Hi Tori, your forms...") is the customer, and
        "Marcus from my gym" is not the surgeon. With a title or surname it is the staff."""
        tok = tokens[i]
        plain, _ = lexicon.first_names()
        if tok.lower not in plain or tok.lower in ctx.profile.own_name_tokens:
            return False
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if (
            nxt is not None
            and nxt.lower in ctx.profile.own_tokens
            and ctx.text[tok.end : nxt.start] in {" ", "-"}
        ):
            return False  # "Marcus Bell"
        prev = tokens[i - 1] if i > 0 else None
        if prev is not None and prev.lower in TITLES_CLINICIAN:
            return False
        if _SOCIAL_PLACE_AFTER.match(ctx.text, tok.end):
            return True
        if ctx.kind not in ("reply", "dm_reply"):
            return False
        opening = prev is None or (
            prev.lower in _GREETINGS and i == 1 and ctx.text[prev.end : tok.start] in {" ", ", "}
        )
        return opening and bool(
            re.match(r"\s*(?:!|,|[\U0001F300-\U0001FAFF])", ctx.text[tok.end :])
        )

    def _not_a_person(self, ctx: TextContext, tokens: list[Token], i: int) -> bool:
        """Name-words that are not people here: a saint's name in a place ("St. David's
        Medical Center"), a Spanish article in a Spanish text ("hace una semana"), the
        practice's own street after "on" ("the one on Lamar")."""
        tok = tokens[i]
        prev = tokens[i - 1] if i > 0 else None
        if _PET_BEFORE.search(ctx.text[max(0, tok.start - 25) : tok.start]):
            return True
        if tok.lower in _MONTH_ABBR and _DAY_AFTER.match(ctx.text, tok.end):
            return True
        if tok.lower in _SEASONS and _SEASON_COMING.match(ctx.text, tok.end):
            return True
        if _STRETCHED.search(tok.text):
            return True
        for m in _HOLIDAY_NAMES.finditer(ctx.text):
            if m.start() <= tok.start < m.end():
                return True
        if (
            prev is not None
            and prev.lower in {"st", "saint", "san", "santa", "ste"}
            and (ctx.text[prev.end : tok.start] in {" ", ". "})
        ):
            return True
        if tok.lower in _SPANISH_FUNCTION and _spanish(ctx.lower):
            return True
        if prev is not None and prev.lower in {"on", "off", "near", "along", "down"}:
            street = ctx.profile.address.split(",")[0].lower()
            if re.search(rf"\b{re.escape(tok.lower)}\b", street):
                return True
        return False

    @staticmethod
    def _capitalised(ctx: TextContext, tok: Token) -> bool:
        """Capitalised in a text that uses case (not all lower- or upper-case)."""
        return (
            tok.text[:1].isupper()
            and not tok.text.isupper()
            and not ctx.text.isupper()
            and not ctx.text.islower()
        )

    def _joined_to_name(
        self,
        ctx: TextContext,
        tokens: list[Token],
        i: int,
        plain: frozenset[str],
        ambiguous: frozenset[str],
    ) -> bool:
        """ "Hailey & Harper", "Autumn + Brandy": a word joined by "&", "+" or "and" to a
        name-word is a name too when it is capitalised or itself a name-word."""
        tok = tokens[i]
        low = tok.lower
        if (
            low not in plain
            and low not in ambiguous
            and low not in lexicon.last_names()
            and low in lexicon.common_words()
            and not self._capitalised(ctx, tok)
        ):
            return False
        for j in (i - 1, i + 1):
            if j < 0 or j >= len(tokens):
                continue
            left, right = tokens[min(i, j)], tokens[max(i, j)]
            gap = ctx.lower[left.end : right.start]
            if gap not in {" & ", " + ", "+", "&", " and "}:
                continue
            other = tokens[j].lower
            if other in plain or (other in ambiguous and gap != " and "):
                return True
        return False

    @staticmethod
    def _thing_follows(ctx: TextContext, i: int) -> bool:
        if i + 1 >= len(ctx.tokens):
            return False
        nxt = ctx.tokens[i + 1]
        return ctx.text[ctx.tokens[i].end : nxt.start] == " " and nxt.lower in NOT_PERSON_NEXT

    @staticmethod
    def _adjacent(ctx: TextContext, a: Token, b: Token, allow_hyphen: bool = False) -> bool:
        gap = ctx.text[a.end : b.start]
        if allow_hyphen and gap == "-":
            return True
        return gap in {" ", ". ", ", "} if not allow_hyphen else gap == " "

    @staticmethod
    def _inside_code(ctx: TextContext, tok: Token) -> bool:
        """Tokens inside @handles, e-mails, URLs and hashtags belong to other recognizers."""
        j = tok.start - 1
        while j >= 0 and (ctx.text[j].isalnum() or ctx.text[j] in "_.-/:"):
            j -= 1
        if j >= 0 and ctx.text[j] in "@#":
            return True
        k = tok.end
        while k < len(ctx.text) and (ctx.text[k].isalnum() or ctx.text[k] in "_."):
            if ctx.text[k] == "." and k + 1 < len(ctx.text) and ctx.text[k + 1].isalpha():
                return True
            k += 1
        return k < len(ctx.text) and ctx.text[k] == "@"

    @staticmethod
    def _title_follows(ctx: TextContext, tok: Token, i: int) -> bool:
        nxt = ctx.text[tok.end : tok.end + 2]
        return nxt[:1] in {".", " "} and i + 1 < len(ctx.tokens)

    @staticmethod
    def _is_nameish(tok: Token) -> bool:
        plain = lexicon.first_names()[0]
        return tok.lower in lexicon.last_names() or tok.lower in plain or tok.text[:1].isupper()

    @staticmethod
    def _month_date(ctx: TextContext, tok: Token) -> bool:
        return tok.lower in MONTH_WORDS and bool(_NUMBER_AFTER.match(ctx.text, tok.end))

    def _strong_context(self, ctx: TextContext, tokens: list[Token], i: int) -> bool:
        """Unknown words count as names only in a clear naming context: a vocative
        ("Thank you, Xiomara!", "Meet Oluwaseun!") or a sentence opening with a verb of
        what a person did ("Dmitri wanted a straighter nose")."""
        tok = tokens[i]
        before = ctx.lower[max(0, tok.start - 24) : tok.start]
        if _VOCATIVE_CUE.search(before) and _VOCATIVE_END.match(ctx.text, tok.end):
            return True
        if self._addressed(ctx, tokens, i):
            return True
        prev0 = tokens[i - 1] if i > 0 else None
        if (
            prev0 is not None
            and prev0.lower in _POSSESSIVE_PREPS
            and ctx.text[prev0.end : tok.start] == " "
            and _POSSESSIVE_BODY.match(ctx.text, tok.end)
        ):
            return True
        # A closing vocative in a message addressed to someone: "..., Ren!"
        if (
            ctx.kind in ("reply", "dm_reply")
            and before.rstrip().endswith(",")
            and re.match(r"\s*!+\s*$", ctx.text[tok.end :])
        ):
            return True
        prev = tokens[i - 1] if i > 0 else None
        if prev is not None and ctx.text[prev.end : tok.start].strip() in {"", ","}:
            cued = self._phrase_before(ctx, tokens, i) or prev.lower in ROLE_BEFORE
            nxt0 = tokens[i + 1] if i + 1 < len(tokens) else None
            if cued and (
                self._capitalised(ctx, tok)
                or _VOCATIVE_END.match(ctx.text, tok.end)
                or (nxt0 is not None and nxt0.lower in STRONG_AFTER)
            ):
                return True
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is None or ctx.text[tok.end : nxt.start] != " ":
            return False
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        acts = nxt.lower in STRONG_AFTER or (
            nxt.lower in LINKING and after is not None and after.lower in AFTER_LINKING
        )
        # "Dmitri wanted...", or mid-sentence when written with a capital: "... Priyanka is back"
        return acts and (self._sentence_start(ctx, tok) or self._capitalised(ctx, tok))

    @staticmethod
    def _interjected(ctx: TextContext, tokens: list[Token], i: int) -> bool:
        """ "lol Chip you're hilarious": after an interjection, before "you're"."""
        if i == 0:
            return False
        prev, tok = tokens[i - 1], tokens[i]
        return (
            prev.lower in _INTERJECTIONS
            and ctx.text[prev.end : tok.start] in {" ", ", "}
            and bool(_ADDRESSED_AFTER.match(ctx.lower, tok.end))
        )

    @staticmethod
    def _addressed(ctx: TextContext, tokens: list[Token], i: int, opening: bool = True) -> bool:
        """The person a message speaks to: "Ty for the 5 stars Hunter 💪", "lol Chip you're
        hilarious", a reply opening "Angel we've tried calling you"."""
        tok = tokens[i]
        if _THANKS_FOR.search(ctx.lower[max(0, tok.start - 60) : tok.start]) and (
            _VOCATIVE_END.match(ctx.text, tok.end)
        ):
            return True
        if tok.lower in VERB_LIKE:
            return False
        prev = tokens[i - 1] if i > 0 else None
        if NameRecognizer._interjected(ctx, tokens, i):
            return True
        # "THAT'S MY WIFE! GRACE YOU LOOK STUNNING": a sentence opened by a name spoken to.
        if (
            opening
            and prev is not None
            and tok.lower not in REPLY_OPENERS
            and tok.lower not in lexicon.frequent_words()
            and re.search(r"[.!?]\s*$", ctx.text[prev.end : tok.start])
            and _ADDRESSED_AFTER.match(ctx.lower, tok.end)
        ):
            return True
        return (
            opening
            and prev is None
            and ctx.kind in ("reply", "dm_reply")
            and tok.lower not in REPLY_OPENERS
            and tok.lower not in lexicon.frequent_words()
            and bool(_MESSAGE_START_AFTER.match(ctx.lower, tok.end))
        )

    @staticmethod
    def _sentence_start(ctx: TextContext, tok: Token) -> bool:
        head = ctx.text[: tok.start].rstrip()
        return not head or head[-1] in ".!?\n"

    @staticmethod
    def _phrase_before(ctx: TextContext, tokens: list[Token], i: int) -> bool:
        if i < 1:
            return False
        one = tokens[i - 1].lower
        if one in STRONG_BEFORE:
            return True
        if i >= 2:
            two = f"{tokens[i - 2].lower} {one}"
            if two in STRONG_BEFORE_PHRASES:
                return True
        if i >= 3:
            three = f"{tokens[i - 3].lower} {tokens[i - 2].lower} {one}"
            if three in STRONG_BEFORE_PHRASES:
                return True
        return False

    def _coordinated(self, ctx: TextContext, tokens: list[Token], i: int) -> bool:
        """ "Hope and Grace, sisters, did their filler together": two name-words joined by
        "and" at the start of a sentence, the pair followed by a comma or a verb of what a
        person did. "Will and grace: two things we bring" stays words."""
        plain, ambiguous = lexicon.first_names()

        def is_name_word(word: str) -> bool:
            return word in plain or word in ambiguous

        def pair_at(j: int) -> bool:
            if j + 2 >= len(tokens) or not self._sentence_start(ctx, tokens[j]):
                return False
            a, conj, b = tokens[j], tokens[j + 1], tokens[j + 2]
            if conj.lower != "and" or not is_name_word(a.lower) or not is_name_word(b.lower):
                return False
            tail = ctx.text[b.end : b.end + 1]
            nxt = tokens[j + 3] if j + 3 < len(tokens) else None
            return tail == "," or (nxt is not None and nxt.lower in STRONG_AFTER)

        return pair_at(i) or (i >= 2 and pair_at(i - 2))

    def _context_says_name(self, ctx: TextContext, tokens: list[Token], i: int) -> bool:
        tok = tokens[i]
        if self._month_date(ctx, tok):
            return False
        # "said hi, hope she's healing": a verb-like name-word before a pronoun is the verb.
        if tok.lower in VERB_LIKE and _PRONOUN_AFTER.match(ctx.lower, tok.end):
            return False
        prev = tokens[i - 1] if i > 0 else None
        gap_before = ctx.text[prev.end : tok.start] if prev else ""
        if (
            prev is not None
            and gap_before.strip() in {"", ","}
            and self._phrase_before(ctx, tokens, i)
        ):
            return True
        if self._coordinated(ctx, tokens, i):
            return True
        if self._addressed(ctx, tokens, i):
            return True
        if (
            prev is not None
            and prev.lower in _POSSESSIVE_PREPS
            and gap_before == " "
            and _POSSESSIVE_BODY.match(ctx.text, tok.end)
        ):
            return True
        if prev is not None and prev.lower in WEAK_BEFORE and gap_before.strip() == "":
            return False
        if _POSSESSIVE.match(ctx.text, tok.end):
            return True
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and ctx.text[tok.end : nxt.start] == " ":
            if nxt.lower in STRONG_AFTER:
                return True
            after = tokens[i + 2] if i + 2 < len(tokens) else None
            if nxt.lower in LINKING and after is not None and after.lower in AFTER_LINKING:
                return True
            if nxt.lower == "from" and after is not None and after.lower not in WEAK_BEFORE:
                return True
        if re.match(r"\s*\(\s*from\b|\s+is that (?:you|u)\b", ctx.lower[tok.end :]):
            return True
        if self._joined_to_name(ctx, tokens, i, *lexicon.first_names()):
            return True
        if prev is not None and (prev.lower in KIN_TITLES or prev.lower in ROLE_BEFORE):
            return self._capitalised(ctx, tok)
        # A vocative: ", Grace!" or "Grace, ..." opening a message addressed to someone.
        if gap_before.rstrip().endswith(",") and _VOCATIVE_END.match(ctx.text, tok.end):
            return True
        head = ctx.text[tok.end : tok.end + 1]
        if prev is None and head == "!":
            return True
        # "Faith, family and good skin" is a list, not "Faith, you look amazing".
        if _LIST_AFTER.match(ctx.text, tok.end):
            return False
        return prev is None and head == "," and bool(_SECOND_PERSON.search(ctx.lower))
