"""Demo data for the practice profile: the demo practice's own details, saved once through
the audited action as its owner, so the text checks in the demo know them."""

from __future__ import annotations

from clearpost.app.accounts.models import Role, User
from clearpost.app.practices.actions import save_profile
from clearpost.app.practices.models import Practice, PracticeProfile

DEMO_PROFILE = {
    "display_name": "Riverside Aesthetics",
    "phones": ["(512) 555-0100"],
    "emails": ["hello@riversideaesthetics.example"],
    "addresses": ["1200 Lamar Blvd, Suite 300, Austin, TX 78703"],
    "websites": ["riversideaesthetics.example"],
    "handles": ["@riversideaesthetics"],
    "staff": [
        "Dr. Ana Rivera, plastic surgeon",
        "Jamie Chen RN, nurse injector",
        "Tori, patient coordinator",
    ],
    "services": ["Glow Bar HydraFacial", "Riverside Signature Peel"],
    "secure_channel": "our patient portal",
}


def seed_demo_profile(practice: Practice) -> None:
    """Once per practice; an existing profile (edited by a person) is left alone."""
    if PracticeProfile.objects.filter(practice=practice).exists():
        return
    owner = (
        User.objects.filter(practice=practice, role_grants__role=Role.OWNER).order_by("pk").first()
    )
    if owner is not None:
        save_profile(owner, practice, DEMO_PROFILE)
