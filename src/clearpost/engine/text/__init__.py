"""Text compliance engine: PHI and advertising-rule checks for outbound texts, and a
classifier for inbound comments (contract: shared/contracts/check-text.md).

Pure Python, no Django: plain data in, plain data out.
"""

from clearpost.engine.text.analyzer import Analyzer, default_analyzer
from clearpost.engine.text.model import Category, Finding, Kind, Result
from clearpost.engine.text.profile import PracticeProfile, ProfileError, load_profile

__all__ = [
    "Analyzer",
    "Category",
    "Finding",
    "Kind",
    "PracticeProfile",
    "ProfileError",
    "Result",
    "default_analyzer",
    "load_profile",
]
