from __future__ import annotations

import pytest

from clearpost.engine.text.analyzer import Analyzer, default_analyzer
from clearpost.engine.text.profile import build_profile

US = build_profile(
    name="Rivera Aesthetics",
    staff=["Dr. Ana Rivera", "Jamie Chen RN"],
    phone="(512) 555-0100",
    email="hello@riveraaesthetics.com",
    address="1200 Lamar Blvd, Suite 300, Austin, TX 78703",
    handles=["@riveraaesthetics"],
    allowed_terms=["Glow Bar"],
)
UK = build_profile(name="Marylebone Skin Clinic", jurisdiction="UK", staff=["Dr. Priya Shah"])


@pytest.fixture(scope="session")
def us() -> Analyzer:
    return default_analyzer(US)


@pytest.fixture(scope="session")
def uk() -> Analyzer:
    return default_analyzer(UK)


@pytest.fixture(scope="session")
def bare() -> Analyzer:
    return default_analyzer()
