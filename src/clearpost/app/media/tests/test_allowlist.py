"""Issue 7: burned-in text made of the practice's own words stays; other text goes."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from django.core.files.storage import storages
from django.test import Client
from PIL import Image, ImageDraw, ImageFont

from clearpost.app.accounts.models import User
from clearpost.app.media import allowlist, tasks
from clearpost.app.media.models import MediaItem, MediaStatus
from clearpost.app.media.tests.conftest import Team, chunked_upload, item_of
from clearpost.app.practices.models import PracticeProfile

pytestmark = pytest.mark.django_db

LOGO = (40, 60)
CHART = (40, 300)


def _signed_photo(folder: Path) -> Path:
    """A plain photo with the practice's name (its "logo") and a record number on it."""
    img = Image.new("RGB", (640, 480), (200, 180, 160))
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype("DejaVuSans.ttf", 40)
    draw.text(LOGO, "Lakeside", fill=(20, 20, 20), font=font)
    draw.text(CHART, "MRN 48213", fill=(20, 20, 20), font=font)
    path = folder / "sign.png"
    img.save(path)
    return path


def _detail(item: MediaItem, x: int, y: int) -> float:
    with storages["default"].open(item.derivative, "rb") as fh:
        px = np.asarray(Image.open(io.BytesIO(fh.read())).convert("L")).astype(np.float32)
    patch = px[y : y + 40, x : x + 160]
    return float(np.abs(np.diff(patch, axis=1)).mean())


def test_practice_terms_come_from_the_practice_and_its_profile(team: Team) -> None:
    team.practice.name = "Lakeside Aesthetics"
    team.practice.save()
    assert allowlist.practice_terms(team.practice) == [
        {"term": "Lakeside Aesthetics", "source": "practice name"}
    ]
    PracticeProfile.objects.create(
        practice=team.practice,
        display_name="Lakeside Skin",
        allowed_terms=["GlowLab", " "],
        websites=["lakeside.example"],
        handles=["@lakesideskin"],
        phones=["555 0100"],
    )
    terms = allowlist.practice_terms(team.practice)
    assert [t["source"] for t in terms] == [
        "practice name", "practice name", "allowed term", "website", "social handle"
    ]  # fmt: skip
    words = allowlist.allow_words(terms)
    assert {"lakeside", "aesthetics", "skin", "glowlab", "lakesideskin"} <= words
    assert "555" not in words and "0100" not in words  # phones are not branding
    assert allowlist.why_allowed("LakesideSkin", terms)[0]["term"] == "Lakeside Aesthetics"
    assert allowlist.why_allowed("MRN", terms) == []


def test_the_practice_name_stays_and_other_text_is_redacted(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    team.practice.name = "Lakeside Aesthetics"
    team.practice.save()
    client = login(team.clinician)
    item = item_of(chunked_upload(client, _signed_photo(tmp_path)))
    assert tasks.run_deid(item.public_id, item.generation) == MediaStatus.CLEARED
    item.refresh_from_db()
    regions = {r["action"]: r for r in item.report["text_regions"]}
    assert set(regions) == {"allowed", "redacted"}, item.report["text_regions"]
    assert regions["allowed"]["text"] == "Lakeside"
    # What was read in a redacted region is never stored (the report is not encrypted).
    assert regions["redacted"]["text"] == ""
    assert "48213" not in str(item.report)
    assert item.report["allow_list"][0] == {
        "term": "Lakeside Aesthetics",
        "source": "practice name",
    }
    assert _detail(item, *LOGO) > 10 * max(_detail(item, *CHART), 0.5)
    page = client.get(f"/media/{item.public_id}/").content.decode()
    assert 'data-testid="allowed-text"' in page
    assert (
        "&ldquo;Lakeside&rdquo;: on the practice's allow-list "
        "(practice name &ldquo;Lakeside Aesthetics&rdquo;)" in page
    )


def test_without_the_practice_words_the_same_text_is_redacted(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    team.practice.name = "Harbour Clinic"
    team.practice.save()
    item = item_of(chunked_upload(login(team.clinician), _signed_photo(tmp_path)))
    assert tasks.run_deid(item.public_id, item.generation) == MediaStatus.CLEARED
    item.refresh_from_db()
    assert [r["action"] for r in item.report["text_regions"]] == ["redacted", "redacted"]
    assert _detail(item, *LOGO) < 5
