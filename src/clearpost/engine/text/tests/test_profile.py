from __future__ import annotations

from pathlib import Path

import pytest

from clearpost.engine.text.analyzer import default_analyzer
from clearpost.engine.text.profile import ProfileError, build_profile, load_profile, split_staff


def write(tmp_path: Path, body: str | bytes) -> Path:
    p = tmp_path / "practice.toml"
    if isinstance(body, bytes):
        p.write_bytes(body)
    else:
        p.write_text(body, encoding="utf-8")
    return p


def test_valid_profile(tmp_path: Path) -> None:
    prof = load_profile(
        write(
            tmp_path,
            'name = "Rivera Aesthetics"\njurisdiction = "uk"\nstaff = ["Dr. Ana Rivera"]\n'
            'phone = "(512) 555-0100"\nhandles = ["@RiveraAesthetics"]\n',
        )
    )
    assert prof.uk
    assert "rivera" in prof.own_tokens
    assert "riveraaesthetics" in prof.own_handles
    assert prof.is_own_phone("512.555.0100")
    assert not prof.is_own_phone("512.555.0199")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('nmae = "x"\n', "unknown key"),
        ('staff = "Dr. A"\n', "'staff' must be a list of strings"),
        ("name = 3\n", "'name' must be a string"),
        ('jurisdiction = "FR"\n', "'jurisdiction' must be one of"),
        ("name = [unclosed\n", "not valid TOML"),
        (b'name = "\xff\xfe"\n', "not UTF-8"),
    ],
)
def test_bad_profiles_explain_themselves(tmp_path: Path, body: str | bytes, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        load_profile(write(tmp_path, body))


def test_missing_profile(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "nope.toml")


# --- issue 11: the practice's own details are never PHI nor patient confirmation ---


LUMA = build_profile(
    name="Luma Med Spa",
    staff=[
        "Dr. Kelsey Nguyen",
        "Brianna (our lead injector)",
        "Marco PA-C",
        "Joy, patient coordinator",
    ],
    phone="(305) 555-0142",
    phones=["305-555-0143"],
    email="hi@lumamedspa.com",
    emails=["bookings@lumamedspa.com"],
    address="88 Brickell Ave, Miami, FL 33131",
    addresses=["12 Coral Way, Coral Gables, FL 33134"],
    website="lumamedspa.com",
    handles=["@lumamedspa"],
    services=["HydraFacial", "Luma Glow Peel"],
    allowed_terms=["Glow Club"],
)

OWN_DETAILS_PASS = [
    ("reply", "Please call our office at (305) 555-0142 so we can help."),
    ("reply", "You can also reach the second line, 305.555.0143."),
    ("reply", "Email bookings@lumamedspa.com or marco@lumamedspa.com and we'll get back to you."),
    ("dm_reply", "Our Coral Gables office is at 12 Coral Way, Coral Gables, FL 33134."),
    ("caption", "Meet Joy, our patient coordinator! She has been with Luma for 5 years."),
    ("caption", "Brianna is booking HydraFacial and Luma Glow Peel appointments all week."),
    ("caption", "Say hi to Marco, our new PA-C, and join the Glow Club."),
    ("caption", "Dr. Kelsey Nguyen answers your questions live on lumamedspa.com/blog."),
]

NO_PROFILE_PASS = [
    ("reply", "Please call our office at (555) 010-4477 and ask for Brianna."),
    ("reply", "Call us at 555-010-9988 or 555-010-9989 anytime."),
    ("reply", "Email us at hello@glowspa.com or jess@glowspa.com."),
    ("reply", "Thanks for the kind words! Please visit us at 88 Brickell Ave."),
    ("caption", "Meet Joy, our patient coordinator! She's been with us 5 years."),
    ("caption", "Meet Brianna, our lead injector, who loves a natural look."),
    ("caption", "Our nurse injector Denise is back from maternity leave!"),
]

STILL_PHI = [
    ("reply", "Sarah lives at 12 Oak Street, tell her we said hi", "PHI_LOCATION"),
    ("caption", "Our patient Sarah loves her results", "PHI_NAME"),
    ("reply", "Email jane@gmail.com if you are Jane's friend", "PHI_CONTACT"),
    ("reply", "We called you back on 305-555-0199 about your filler.", "PHI_CONTACT"),
]


@pytest.mark.parametrize(("kind", "text"), OWN_DETAILS_PASS)
def test_practice_own_details_pass(kind: str, text: str) -> None:
    result = default_analyzer(LUMA).analyze(text, kind)
    assert result.decision == "pass", result.to_dict()


@pytest.mark.parametrize(("kind", "text"), NO_PROFILE_PASS)
def test_without_a_profile_the_practice_is_read_from_the_wording(kind: str, text: str) -> None:
    result = default_analyzer().analyze(text, kind)
    assert result.decision == "pass", result.to_dict()


@pytest.mark.parametrize(("kind", "text", "category"), STILL_PHI)
def test_someone_elses_details_are_still_phi(kind: str, text: str, category: str) -> None:
    cats = {str(f.category) for f in default_analyzer(LUMA).analyze(text, kind).findings}
    assert category in cats


@pytest.mark.parametrize(
    ("entry", "name", "role"),
    [
        ("Brianna (our lead injector)", "Brianna", "lead injector"),
        ("Joy, patient coordinator", "Joy", "patient coordinator"),
        ("Marco PA-C", "Marco PA-C", ""),
        ("Sister Amara Okafor - clinic nurse", "Sister Amara Okafor", "clinic nurse"),
    ],
)
def test_staff_entries_split_into_name_and_role(entry: str, name: str, role: str) -> None:
    assert split_staff(entry) == (name, role)


def test_plural_keys_in_toml(tmp_path: Path) -> None:
    prof = load_profile(
        write(
            tmp_path,
            'name = "Hartwell"\nphones = ["0161 496 0750", "0161 496 0751"]\n'
            'emails = ["enquiries@hartwellaesthetics.co.uk"]\nservices = ["Blepharoplasty"]\n'
            'secure_channel = "our patient portal"\n',
        )
    )
    assert prof.is_own_phone("0161 496 0751") and prof.phone == "0161 496 0750"
    assert prof.is_own_email("sister.amara@hartwellaesthetics.co.uk")
    assert prof.secure_channel == "our patient portal"
    with pytest.raises(ProfileError, match="more than"):
        load_profile(write(tmp_path, "phones = [" + ", ".join(['"1"'] * 300) + "]\n"))
