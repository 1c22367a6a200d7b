"""Website gallery: static pages with alt text and no metadata, served by the local site."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from clearpost.providers.base import DeleteOutcome, PostState, PublishRequest
from clearpost.providers.errors import ErrorKind, ProviderError
from clearpost.providers.testing import media_file
from clearpost.providers.website.client import WebsiteProvider
from clearpost.providers.website.fake import WebsiteFake


def jpeg_with_exif() -> bytes:
    im = Image.new("RGB", (300, 200), (120, 90, 80))
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x013B] = "Dr Rivera"  # Artist
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif.tobytes(), comment=b"patient 4411")
    return buf.getvalue()


def test_gallery_page_has_alt_text_and_no_metadata(tmp_path: Path) -> None:
    site = tmp_path / "site"
    p = WebsiteProvider(site, title="Results")
    img = media_file(
        tmp_path, "a.jpg", jpeg_with_exif(), "image/jpeg", alt="Left cheek, 6 weeks after"
    )
    receipt = p.publish(
        PublishRequest(
            "site", "Filler, 6 weeks apart.", [img], title="Cheek filler", reference="post_1"
        )
    )
    assert receipt.state is PostState.PUBLISHED
    out = site / receipt.post_id / "1.jpg"
    with Image.open(out) as im:
        assert not im.getexif() and "comment" not in im.info and "icc_profile" not in im.info
    assert b"Canon" not in out.read_bytes() and b"4411" not in out.read_bytes()
    page = (site / receipt.post_id / "index.html").read_text()
    assert 'alt="Left cheek, 6 weeks after"' in page and "generator" not in page
    assert receipt.post_id in (site / "index.html").read_text()


def test_served_then_removed_on_delete(tmp_path: Path) -> None:
    site = tmp_path / "site"
    with WebsiteFake(site) as server:
        p = WebsiteProvider(site, base_url=server.base_url)
        img = media_file(tmp_path, "a.jpg", jpeg_with_exif(), "image/jpeg", alt="Chin")
        req = PublishRequest("site", "x", [img], reference="post_2")
        receipt = p.publish(req)
        assert httpx.get(receipt.url).status_code == 200
        assert httpx.get(f"{server.base_url}/{receipt.post_id}/entry.json").status_code == 404
        assert p.find_published(req) is not None
        assert p.delete(receipt.post_id).outcome is DeleteOutcome.DELETED
        assert httpx.get(receipt.url).status_code == 404
        assert receipt.post_id not in httpx.get(server.base_url + "/").text
        assert p.delete(receipt.post_id).outcome is DeleteOutcome.ALREADY_GONE
        assert p.status(receipt.post_id).state is PostState.GONE


def test_missing_alt_text_is_refused(tmp_path: Path) -> None:
    img = media_file(tmp_path, "a.jpg", jpeg_with_exif(), "image/jpeg")
    with pytest.raises(ProviderError) as exc:
        WebsiteProvider(tmp_path / "s").publish(PublishRequest("site", "x", [img], reference="p"))
    assert exc.value.kind is ErrorKind.MEDIA_REJECTED and "alt text" in exc.value.message


def test_unreadable_photo_leaves_nothing_half_written(tmp_path: Path) -> None:
    bad = media_file(tmp_path, "a.jpg", b"not an image", "image/jpeg", alt="x")
    site = tmp_path / "s"
    with pytest.raises(ProviderError):
        WebsiteProvider(site).publish(PublishRequest("site", "x", [bad], reference="p"))
    assert not any(d.is_dir() for d in site.iterdir()) if site.exists() else True
