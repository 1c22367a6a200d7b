"""Rule IDs, citations and check types from the team's rule catalog (shared/RULES.md).

Every finding, reason and audit record names a rule ID. `rule()` fails loudly on an
unknown ID so that a typo can never produce evidence that cites nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    section: str
    requirement: str
    citation: str
    check: str


class UnknownRuleError(KeyError):
    """A rule ID that is not in the catalog."""


@cache
def all_rules() -> dict[str, Rule]:
    raw = json.loads(resources.files("clearpost.engine").joinpath("rules.json").read_text("utf-8"))
    return {r["id"]: Rule(**r) for r in raw}


def rule(rule_id: str) -> Rule:
    try:
        return all_rules()[rule_id]
    except KeyError:
        raise UnknownRuleError(rule_id) from None


def exists(rule_id: str) -> bool:
    return rule_id in all_rules()
