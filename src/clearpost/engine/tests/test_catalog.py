from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from clearpost.engine import catalog

ROOT = Path(__file__).resolve().parents[4]


def test_known_rules_resolve() -> None:
    r = catalog.rule("HIPAA-AUTH-DEFECT-EXPIRED")
    assert r.section == "1"
    assert "164.508(b)(2)(i)" in r.citation


def test_unknown_rule_fails_loudly() -> None:
    with pytest.raises(catalog.UnknownRuleError):
        catalog.rule("NOT-A-RULE")


def _gen_catalog():
    spec = importlib.util.spec_from_file_location(
        "gen_catalog", ROOT / "scripts" / "gen_catalog.py"
    )
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


def test_catalog_parser_reads_sections_and_rows() -> None:
    sample = (
        "## 1. Authorizations\n\n| ID | Requirement | Citation | Check |\n| --- | --- | --- | --- |\n"
        "| HIPAA-X-ONE | Must sign. | 45 CFR 164.508 | AUTO: signed |\n"
        "| not-a-rule | lower case | x | y |\n"
    )
    assert _gen_catalog().parse(sample) == [
        {
            "id": "HIPAA-X-ONE",
            "section": "1",
            "requirement": "Must sign.",
            "citation": "45 CFR 164.508",
            "check": "AUTO: signed",
        }
    ]


def test_compiled_catalog_is_complete() -> None:
    """The compiled copy is checked against shared/RULES.md by `make lint`
    (scripts/gen_catalog.py --check); here: it is whole and every rule is usable."""
    rules = catalog.all_rules()
    assert len(rules) > 100
    for rule_id in rules:
        r = catalog.rule(rule_id)
        assert r.section and r.citation, rule_id
