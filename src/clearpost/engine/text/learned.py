"""The learned layer: a small linear model beside the rules, for the categories that are
about meaning rather than words a list can hold (a reply calling the reviewer "such a fun
patient", free treatment offered for tags, a comment that only implies a procedure).

Why linear over word and character n-grams: it trains in seconds from the repository's
own labelled corpora (`training.py`, deterministic), ships as a JSON file inside the
package (nothing downloads at run time), scores a caption in well under a millisecond in
pure Python, and can say which words weighed most, so a person can follow each finding.

The layer only adds findings: a category the rules already found is left to the rules'
wording; otherwise a score at or above the category's threshold (chosen on held-out
folds when training) adds a finding with the category's own rule ID and the top words.
PHI spans the rules found are masked as placeholders first ("thanks [name]!"), as they
were in training, so the model learns the shape of a confirmation, not particular names.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from clearpost.engine.text.model import PHI_CATEGORIES, Category, Finding, Kind, Severity
from clearpost.engine.text.recognizers.advertising import DISCLOSED

MODEL_FILE = "learned.json"
OUTBOUND: frozenset[Kind] = frozenset({"caption", "reply", "dm_reply"})
REPLIES: frozenset[Kind] = frozenset({"reply", "dm_reply"})
COMMENTS: frozenset[Kind] = frozenset({"comment"})

# Category -> (kinds it applies to, what it means in words for the message).
TARGETS: dict[Category, tuple[frozenset[Kind], str]] = {
    Category.PATIENT_CONFIRMATION: (OUTBOUND, "confirming that someone is or was a patient"),
    Category.MEDICAL_ADVICE: (REPLIES, "medical advice to one person"),
    Category.MATERIAL_CONNECTION_UNDISCLOSED: (
        OUTBOUND,
        "a free or paid treatment in exchange for posts, tags or reviews, not disclosed",
    ),
    Category.UNPROFESSIONAL: (OUTBOUND, "trivialising or sexualising tone"),
    Category.INBOUND_NEGATIVE_REVIEW: (COMMENTS, "a complaint about care"),
    Category.INBOUND_MEDICAL_QUESTION: (COMMENTS, "a personal medical question"),
    Category.INBOUND_SELF_DISCLOSURE: (COMMENTS, "the commenter saying they are a patient"),
}

PLACEHOLDER = {
    Category.PHI_NAME: " xname ",
    Category.PHI_DATE: " xdate ",
    Category.PHI_CONTACT: " xcontact ",
    Category.PHI_LOCATION: " xplace ",
    Category.PHI_ID: " xid ",
    Category.PHI_HANDLE: " xhandle ",
    Category.PHI_AGE: " xage ",
}

_TOKEN = re.compile(
    r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+|[?!]|[\U0001F300-\U0001FAFF\u2600-\u27BF]",
)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    start: int
    end: int
    label: str  # the words a person reads in an explanation


def mask_spans(
    text: str, spans: list[tuple[Category, int, int]]
) -> tuple[str, list[tuple[int, int]]]:
    """Text with PHI spans replaced by placeholders, and for each character of the masked
    text the (start, end) it stands for in the original: a placeholder stands for its
    whole span, so a finding on it points at the name, not at one letter."""
    out: list[str] = []
    where: list[tuple[int, int]] = []
    pos = 0
    for cat, start, end in sorted(spans, key=lambda s: s[1]):
        if start < pos:
            continue
        out.append(text[pos:start])
        where.extend((i, i + 1) for i in range(pos, start))
        ph = PLACEHOLDER[cat]
        out.append(ph)
        where.extend([(start, end)] * len(ph))
        pos = end
    out.append(text[pos:])
    where.extend((i, i + 1) for i in range(pos, len(text)))
    return "".join(out), where


def features(text: str, kind: str, char_grams: bool = True) -> list[Feature]:
    """Word unigrams and bigrams, character 4-grams inside words (typos, "touchup" vs
    "touch-up"), and the kind of text. Digits collapse to 0 so "3 weeks" == "6 weeks"."""
    low = text.lower().translate(_QUOTES)
    toks = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(low)]
    toks = [(re.sub(r"\d+", "0", t), s, e) for t, s, e in toks]
    out = [Feature(f"k:{kind}", 0, 0, "")]
    for i, (t, s, e) in enumerate(toks):
        out.append(Feature(f"w:{t}", s, e, text[s:e]))
        if i + 1 < len(toks):
            t2, _, e2 = toks[i + 1]
            out.append(Feature(f"b:{t} {t2}", s, e2, text[s:e2]))
        if char_grams and len(t) >= 4 and t.isalpha():
            padded = f"<{t}>"
            for j in range(len(padded) - 3):
                out.append(Feature(f"c:{padded[j : j + 4]}", s, e, text[s:e]))
    return out


@dataclass(frozen=True, slots=True)
class CategoryModel:
    bias: float
    weights: dict[str, float]
    threshold: float


@dataclass(frozen=True, slots=True)
class Score:
    probability: float
    top: tuple[tuple[str, float, int, int], ...]  # (words, weight, start, end)


class LearnedModel:
    """Per-category logistic models sharing one featurizer."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version = str(data.get("version", ""))
        self.char_grams = bool(data.get("char_grams", True))
        self.categories: dict[Category, CategoryModel] = {
            Category(name): CategoryModel(
                bias=float(m["bias"]),
                weights={k: float(v) for k, v in m["weights"].items()},
                threshold=float(m["threshold"]),
            )
            for name, m in data["categories"].items()
        }

    def score(self, feats: list[Feature], category: Category) -> Score:
        m = self.categories[category]
        z = m.bias
        contrib: dict[tuple[int, int], tuple[str, float]] = {}
        for f in feats:
            w = m.weights.get(f.name)
            if w is None:
                continue
            z += w
            if f.label:
                label, total = contrib.get((f.start, f.end), (f.label, 0.0))
                contrib[(f.start, f.end)] = (label, total + w)
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        ranked = sorted(contrib.items(), key=lambda kv: (-kv[1][1], kv[0]))
        top = tuple((label, w, s, e) for (s, e), (label, w) in ranked[:3] if w > 0)
        return Score(p, top)


@cache
def load_model() -> LearnedModel | None:
    """The shipped model, or None when the package was installed without it (the rules
    then run alone; the analyzer says so in `Analyzer.learned_status`)."""
    try:
        raw = (
            resources.files("clearpost.engine.text").joinpath("data", MODEL_FILE).read_text("utf-8")
        )
    except (FileNotFoundError, OSError):
        return None
    return LearnedModel(json.loads(raw))


_SEVERITY: dict[Category, dict[str, Severity]] = {
    Category.PATIENT_CONFIRMATION: {"caption": "block", "reply": "block", "dm_reply": "block"},
    Category.MEDICAL_ADVICE: {"reply": "block", "dm_reply": "review"},
    Category.MATERIAL_CONNECTION_UNDISCLOSED: {k: "block" for k in OUTBOUND},
    Category.UNPROFESSIONAL: {k: "review" for k in OUTBOUND},
    Category.INBOUND_NEGATIVE_REVIEW: {"comment": "review"},
    Category.INBOUND_MEDICAL_QUESTION: {"comment": "review"},
    Category.INBOUND_SELF_DISCLOSURE: {"comment": "review"},
}


def rule_for(category: Category, kind: str) -> str:
    """The category's catalog rule, the same one its recognizer cites."""
    if category is Category.PATIENT_CONFIRMATION:
        return "SCOPE-PHI-IMAGE" if kind == "caption" else "HIPAA-REVIEW-NO-CONFIRM"
    return {
        Category.MEDICAL_ADVICE: "ASPS-NO-ONLINE-ADVICE",
        Category.MATERIAL_CONNECTION_UNDISCLOSED: "FTC-MC-DISCLOSE",
        Category.UNPROFESSIONAL: "ASPS-PROFESSIONAL-TONE",
        Category.INBOUND_NEGATIVE_REVIEW: "HIPAA-REVIEW-NO-CONFIRM",
        Category.INBOUND_MEDICAL_QUESTION: "ASPS-SECURE-CHANNEL",
        Category.INBOUND_SELF_DISCLOSURE: "SCOPE-SELF-DISCLOSED",
    }[category]


_SUGGESTION: dict[Category, str] = {
    Category.PATIENT_CONFIRMATION: (
        "Reply without confirming a relationship or care: thank them and invite them to call."
    ),
    Category.MEDICAL_ADVICE: "Give the office's contact and continue privately.",
    Category.MATERIAL_CONNECTION_UNDISCLOSED: (
        'Disclose it clearly at the start ("#ad", "complimentary treatment in exchange for '
        'an honest review"), or remove the offer.'
    ),
    Category.UNPROFESSIONAL: "Use the plain, clinical wording of a figure legend.",
    Category.INBOUND_NEGATIVE_REVIEW: "Reply only with the generic message; never add detail.",
    Category.INBOUND_MEDICAL_QUESTION: "Redirect privately to the treating team.",
    Category.INBOUND_SELF_DISCLOSURE: "Do not confirm or add detail.",
}


_PH = re.compile(r"\s*\bx(name|date|contact|place|id|handle|age)\b\s*")


def _readable(label: str) -> str:
    return _PH.sub(lambda m: f" [{m.group(1)}] ", label).strip()


class LearnedLayer:
    """Adds the model's findings for categories the rules did not find."""

    name = "learned"

    def __init__(self, model: LearnedModel | None = None) -> None:
        self._model = model

    @property
    def model(self) -> LearnedModel | None:
        return self._model if self._model is not None else load_model()

    def findings(self, text: str, kind: Kind, found: list[Finding]) -> list[Finding]:
        model = self.model
        if model is None:
            return []
        have = {f.category for f in found}
        todo = [c for c, (kinds, _) in TARGETS.items() if kind in kinds and c not in have]
        todo = [c for c in todo if c in model.categories]
        if not todo:
            return []
        spans = [
            (f.category, f.start, f.end)
            for f in found
            if f.category in PHI_CATEGORIES and f.start is not None and f.end is not None
        ]
        masked, where = mask_spans(text, spans)
        feats = features(masked, kind, model.char_grams)
        out: list[Finding] = []
        for cat in todo:
            if cat is Category.MATERIAL_CONNECTION_UNDISCLOSED and DISCLOSED.search(text):
                continue  # the same exception the rule makes: a clear disclosure is compliant
            s = model.score(feats, cat)
            if s.probability < model.categories[cat].threshold:
                continue
            words = ", ".join(f"“{_readable(label)}”" for label, _, _, _ in s.top) or "none"
            start = end = None
            if s.top:
                _, _, ms, me = s.top[0]
                if 0 <= ms < me <= len(where):
                    start, end = where[ms][0], where[me - 1][1]
            out.append(
                Finding(
                    rule=rule_for(cat, kind),
                    category=cat,
                    severity=_SEVERITY[cat][kind],
                    start=start,
                    end=end,
                    text=text[start:end] if start is not None and end is not None else "",
                    message=(
                        f"The learned check reads this as {TARGETS[cat][1]} "
                        f"(score {s.probability:.2f}, threshold "
                        f"{model.categories[cat].threshold:.2f}). Words that weighed most: "
                        f"{words}."
                    ),
                    suggestion=_SUGGESTION[cat],
                    recognizer=self.name,
                )
            )
        return out
