"""Ready-to-post kit: media, caption and evidence in one zip; never reported as posted."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from clearpost.providers.base import PostState, PublishRequest
from clearpost.providers.errors import NotSupported
from clearpost.providers.kit.client import KitProvider
from clearpost.providers.testing import jpeg_bytes, media_file


def test_kit_holds_media_caption_and_evidence(tmp_path: Path) -> None:
    img = media_file(tmp_path, "a.jpg", jpeg_bytes(100, 100), "image/jpeg", alt="Chin")
    req = PublishRequest(
        "kit",
        "Approved words",
        [img],
        reference="post_9",
        evidence=(("Release", "rel_abc"), ("Approved by", "Dr Rivera")),
    )
    receipt = KitProvider(tmp_path / "kits").publish(req)
    assert receipt.state is PostState.MANUAL
    with zipfile.ZipFile(receipt.url) as z:
        names = set(z.namelist())
        assert {"media/1.jpg", "media/1.alt.txt", "caption.txt", "evidence.html"} <= names
        assert z.read("caption.txt") == b"Approved words"
        sheet = z.read("evidence.html").decode()
        assert "rel_abc" in sheet and receipt.media_hashes[0] in sheet


def test_delete_withdraws_the_kit_but_never_says_deleted(tmp_path: Path) -> None:
    p = KitProvider(tmp_path / "kits")
    req = PublishRequest("kit", "x", [], reference="post_10")
    receipt = p.publish(req)
    assert p.find_published(req) is not None
    with pytest.raises(NotSupported) as exc:
        p.delete(receipt.post_id)
    assert "by hand" in exc.value.manual_steps
    assert not Path(receipt.url).exists() and p.status(receipt.post_id).state is PostState.GONE
