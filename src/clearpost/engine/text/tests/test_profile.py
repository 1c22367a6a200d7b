from __future__ import annotations

from pathlib import Path

import pytest

from clearpost.engine.text.profile import ProfileError, load_profile


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
