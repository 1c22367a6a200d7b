from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from clearpost.engine import catalog

ROOT = Path(__file__).resolve().parents[4]
SHARED_RULES = ROOT.parent / "shared" / "RULES.md"


def test_known_rules_resolve() -> None:
    r = catalog.rule("HIPAA-AUTH-DEFECT-EXPIRED")
    assert r.section == "1"
    assert "164.508(b)(2)(i)" in r.citation


def test_unknown_rule_fails_loudly() -> None:
    with pytest.raises(catalog.UnknownRuleError):
        catalog.rule("NOT-A-RULE")


@pytest.mark.skipif(not SHARED_RULES.exists(), reason="shared/RULES.md is not beside this clone")
def test_compiled_catalog_matches_shared_rules() -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_catalog", ROOT / "scripts" / "gen_catalog.py"
    )
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    parsed = gen.parse(SHARED_RULES.read_text("utf-8"))
    assert {r["id"] for r in parsed} == set(catalog.all_rules())
    assert len(parsed) > 100
