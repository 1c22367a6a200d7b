"""The result vocabulary of check-text, fixed by the contract so callers can rely on it.

Categories and severities are closed sets: a recognizer cannot invent a new category,
and every finding names a catalog rule that `catalog.rule` has checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from clearpost.engine import catalog

Kind = Literal["caption", "reply", "dm_reply", "comment"]
KINDS: tuple[Kind, ...] = ("caption", "reply", "dm_reply", "comment")
Severity = Literal["block", "review", "info"]
Decision = Literal["block", "review", "pass"]
Action = Literal[
    "hide_pending_review",
    "redirect_privately",
    "do_not_confirm",
    "reply_generic",
    "delete_spam",
    "none",
]

SEVERITY_RANK: dict[str, int] = {"info": 0, "review": 1, "block": 2}


class Category(StrEnum):
    PHI_NAME = "PHI_NAME"
    PHI_DATE = "PHI_DATE"
    PHI_CONTACT = "PHI_CONTACT"
    PHI_LOCATION = "PHI_LOCATION"
    PHI_ID = "PHI_ID"
    PHI_HANDLE = "PHI_HANDLE"
    PHI_AGE = "PHI_AGE"
    PATIENT_CONFIRMATION = "PATIENT_CONFIRMATION"
    MEDICAL_ADVICE = "MEDICAL_ADVICE"
    MATERIAL_CONNECTION_UNDISCLOSED = "MATERIAL_CONNECTION_UNDISCLOSED"
    BEFORE_AFTER_NO_TIMEFRAME = "BEFORE_AFTER_NO_TIMEFRAME"
    FILTER_OR_RETOUCH = "FILTER_OR_RETOUCH"
    DECEPTIVE_CLAIM = "DECEPTIVE_CLAIM"
    UNPROFESSIONAL = "UNPROFESSIONAL"
    GRAPHIC = "GRAPHIC"
    LIVE_STREAM = "LIVE_STREAM"
    STOCK_UNLABELED = "STOCK_UNLABELED"
    INBOUND_MEDICAL_QUESTION = "INBOUND_MEDICAL_QUESTION"
    INBOUND_SELF_DISCLOSURE = "INBOUND_SELF_DISCLOSURE"
    INBOUND_NEGATIVE_REVIEW = "INBOUND_NEGATIVE_REVIEW"
    SPAM = "SPAM"


PHI_CATEGORIES: frozenset[Category] = frozenset(
    {
        Category.PHI_NAME,
        Category.PHI_DATE,
        Category.PHI_CONTACT,
        Category.PHI_LOCATION,
        Category.PHI_ID,
        Category.PHI_HANDLE,
        Category.PHI_AGE,
    }
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason a text is not (yet) fit to post, with the rule it rests on.

    The rule ID is checked against the catalog at construction, so a typo fails in tests
    instead of producing evidence that cites nothing.
    """

    rule: str
    category: Category
    severity: Severity
    start: int | None
    end: int | None
    text: str
    message: str
    suggestion: str | None = None
    recognizer: str = ""

    def __post_init__(self) -> None:
        catalog.rule(self.rule)
        if self.category in PHI_CATEGORIES and (self.start is None or self.end is None):
            raise ValueError(f"{self.category} findings need character offsets")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "category": str(self.category),
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "message": self.message,
        }
        if self.suggestion:
            out["suggestion"] = self.suggestion
        return out


@dataclass(slots=True)
class Result:
    """The answer for one text: decision, findings, and (where fitting) safe wording."""

    decision: Decision
    findings: list[Finding] = field(default_factory=list)
    suggested_text: str | None = None
    action: Action | None = None
    reply_template: str | None = None

    def categories(self) -> set[Category]:
        return {f.category for f in self.findings}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "decision": self.decision,
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.suggested_text is not None:
            out["suggested_text"] = self.suggested_text
        if self.action is not None:
            out["action"] = self.action
        if self.reply_template is not None:
            out["reply_template"] = self.reply_template
        return out


def decide(findings: list[Finding]) -> Decision:
    """The most severe finding wins; `info` findings never hold a text back."""
    worst = max((SEVERITY_RANK[f.severity] for f in findings), default=0)
    if worst == 2:
        return "block"
    if worst == 1:
        return "review"
    return "pass"
