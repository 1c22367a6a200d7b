"""Per-file de-identification report, shared by `clearpost scrub` and `clearpost deid`.

The JSON shape is the public contract (shared/contracts/deid.md): field names and
order here mirror it exactly so that scripts reading the report never break. Every
refusal reason starts with the rule ID that justifies it, so the evidence always cites
the catalog (`catalog.rule()` checks the ID when the reason is built).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from clearpost.engine.catalog import rule

Status = Literal["cleared", "refused", "failed_verification"]
STATUSES: tuple[Status, ...] = ("cleared", "refused", "failed_verification")

# [x, y, w, h] in pixels of the orientation-corrected image.
Box = tuple[int, int, int, int]


def reason(rule_id: str, message: str) -> str:
    """A reason a person can act on, prefixed by a catalog rule ID (checked)."""
    rule(rule_id)
    return f"{rule_id}: {message}"


class Refusal(Exception):
    """Raised anywhere in the pipeline when a file cannot be cleaned completely.

    The batch runner turns it into a `refused` report with no output written.
    """

    def __init__(self, rule_id: str, message: str) -> None:
        self.rule_id = rule_id
        self.message = message
        self.reason = reason(rule_id, message)
        super().__init__(self.reason)


@dataclass(slots=True)
class Provenance:
    """What the metadata said before it was removed (cannot be recovered afterwards)."""

    camera: str | None = None
    software: str | None = None
    edited: bool = False
    edit_signals: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Face:
    box: Box
    score: float
    action: str = "redacted"  # "redacted" | "kept"


@dataclass(slots=True)
class TextRegion:
    box: Box
    text: str
    action: str = "redacted"  # "redacted" | "kept" | "allowed"


@dataclass(slots=True)
class SensitiveRegion:
    box: Box
    label: str
    score: float


@dataclass(slots=True)
class Verification:
    passed: bool
    residual_faces: int = 0
    residual_text: int = 0
    residual_metadata: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FileReport:
    input: str
    input_sha256: str | None = None
    output: str | None = None
    output_sha256: str | None = None
    status: Status = "refused"
    reason: str | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None
    metadata_removed: list[str] = field(default_factory=list)
    provenance: Provenance = field(default_factory=Provenance)
    faces: list[Face] = field(default_factory=list)
    text_regions: list[TextRegion] = field(default_factory=list)
    sensitive_regions: list[SensitiveRegion] = field(default_factory=list)
    verification: Verification | None = None
    timings_ms: dict[str, int] = field(default_factory=dict)

    def refuse(self, why: str, status: Status = "refused") -> None:
        """Mark the file as not cleared; an uncleared file never has an output."""
        self.status = status
        self.reason = why
        self.output = None
        self.output_sha256 = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("faces", "text_regions", "sensitive_regions"):
            for item in d[key]:
                item["box"] = list(item["box"])
        return d

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


def reports_to_json(reports: list[FileReport]) -> str:
    return json.dumps([r.to_dict() for r in reports], indent=2, ensure_ascii=False) + "\n"
