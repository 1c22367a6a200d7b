"""The media library in Chromium on a tablet (1024x768): upload a face photo with GPS
tags and a short video, watch the progress, see the redacted preview, draw a region
over a tattoo, save, link the patient and a release, then check the stored derivative:
the region and the face are destroyed and the metadata is gone."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.files.storage import storages
from PIL import Image

from clearpost.app.accounts.models import User
from clearpost.app.authorizations.tests.test_browser import (
    ARGS,
    CHROMIUM,
    TABLET,
    _enrol,
    _sign_in,
)
from clearpost.app.media import actions, tasks
from clearpost.app.media.models import MediaItem, MediaStatus
from clearpost.app.media.tests import media_files
from clearpost.app.media.tests.conftest import Team
from clearpost.engine.media.exiftool import shared

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def chromium() -> Any:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with scripts/system-deps.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def serial(live_server: Any) -> Iterator[threading.Lock]:
    """One request at a time, and none while the test plays the worker.

    On SQLite the live server shares the test's single in-memory connection between
    its request threads (pytest-django), so concurrent requests (a page, its two
    pictures and the htmx poll) would interleave transactions on one connection. In
    production each process has its own connection to a WAL database."""
    lock = threading.Lock()
    httpd = live_server.thread.httpd
    app = httpd.get_app()

    def locked(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with lock:
            result = app(environ, start_response)
            try:
                return list(result)
            finally:
                if hasattr(result, "close"):
                    result.close()

    httpd.set_app(locked)
    yield lock
    httpd.set_app(app)


def _work_queue(lock: threading.Lock) -> list[str]:
    """What the worker would do: every queued generation, one after the other (pages
    that poll meanwhile wait, then see the result)."""
    with lock:
        queued = list(MediaItem.objects.filter(status=MediaStatus.UPLOADED).order_by("pk"))
        return [tasks.run_deid(item.public_id, item.generation) for item in queued]


def _detail(pixels: np.ndarray) -> float:
    return float(np.abs(np.diff(pixels.astype(np.float32), axis=1)).mean())


def test_upload_watch_redact_link_on_a_tablet(
    live_server: Any,
    serial: threading.Lock,
    chromium: Any,
    team: Team,
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    base = live_server.url
    team.clinician.username = "clinic"
    team.clinician.save()
    photo = media_files.face_photo(tmp_path)
    video = media_files.short_video(tmp_path)
    context = chromium.new_context(viewport=TABLET, has_touch=True)
    page = context.new_page()
    _sign_in(page, base, "clinic", _enrol(team.clinician))  # every role has two-step sign-in

    # Upload both files with the picker (several at once); each gets its own bar.
    page.goto(f"{base}/media/")
    page.set_input_files("[data-testid=file-input]", [str(photo), str(video)])
    page.wait_for_selector("[data-testid=upload-done] >> nth=1", timeout=60_000)
    assert MediaItem.objects.count() == 2
    item = MediaItem.objects.get(kind="photo")
    clip = MediaItem.objects.get(kind="video")

    # The item page polls for progress while the worker runs.
    page.goto(f"{base}/media/{item.public_id}/")
    assert page.locator("[data-testid=progress][hx-trigger]").count() == 1
    assert "waiting for a worker" in page.inner_text("[data-testid=stage]")
    assert _work_queue(serial) == ["cleared", "cleared"]
    page.wait_for_selector("[data-testid=done-notice]", timeout=30_000)
    page.wait_for_selector("[data-testid=derivative]")
    assert page.locator("svg.outlines .face rect").count() >= 1
    assert "CA-BPC-651-ALTERED" in page.inner_text("[data-testid=provenance]")

    # Draw a rectangle over the tattoo with the mouse, then save: the engine runs again.
    page.click("[data-testid=draw-regions]")
    page.wait_for_selector("[data-testid=drawing]")
    page.wait_for_function("document.getElementById('picture').complete")
    svg = page.locator("[data-testid=drawing]")
    item.refresh_from_db()
    x, y, w, h = media_files.TATTOO_BOX
    first = svg.bounding_box()
    assert first is not None
    scale = first["width"] / item.report["width"]
    # Scroll so the tattoo is in the middle of the screen, then draw where it is now.
    page.evaluate(f"window.scrollBy(0, {first['y'] + y * scale - 300})")
    box = svg.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + (x - 1) * scale, box["y"] + (y - 1) * scale)
    page.mouse.down()
    page.mouse.move(box["x"] + (x + w + 1) * scale, box["y"] + (y + h + 1) * scale, steps=6)
    page.mouse.up()
    assert "1 region marked" in page.inner_text("#region-count")
    page.click("[data-testid=save-regions]")
    page.wait_for_url(f"**/media/{item.public_id}/")
    ran = _work_queue(serial)
    item.refresh_from_db()
    assert ran == ["cleared"], (item.reason, item.regions)
    page.wait_for_selector("[data-testid=done-notice]", timeout=30_000)
    assert page.locator("svg.outlines .manual rect").count() >= 1

    # Link the patient through their release; coverage shows at once.
    page.select_option("[data-testid=link-release]", team.masked.public_id)
    page.click("[data-testid=link-submit]")
    page.wait_for_selector("[data-testid=coverage]")
    assert "covered" in page.inner_text("[data-testid=coverage]")
    page.screenshot(path=str(tmp_path / "result.png"), full_page=True)

    # The stored derivative: region and face destroyed, metadata gone.
    item.refresh_from_db()
    assert item.status == MediaStatus.CLEARED and item.links.count() == 1
    derivative = Path(storages["default"].path(item.derivative))
    out = np.asarray(Image.open(derivative).convert("RGB"))
    plain = np.asarray(Image.open(io.BytesIO(b"".join(actions.original_chunks(item)))))
    drawn = item.regions[0]["box"]
    rx, ry, rw, rh = (int(v) for v in drawn)
    assert rx <= x and ry <= y and rx + rw >= x + w and ry + rh >= y + h
    assert _detail(out[y : y + h, x : x + w]) < _detail(plain[y : y + h, x : x + w]) / 4
    fx, fy, fw, fh = item.report["faces"][0]["box"]
    assert _detail(out[fy : fy + fh, fx : fx + fw]) < _detail(plain[fy : fy + fh, fx : fx + fw]) / 4
    tags = shared().read(derivative)
    assert not [k for k in tags if "GPS" in k or "DateTimeOriginal" in k or k.endswith(":Make")]
    clip.refresh_from_db()
    assert clip.status == MediaStatus.CLEARED
    clip_tags = shared().read(Path(storages["default"].path(clip.derivative)))
    assert not [k for k in clip_tags if "location" in k.lower() or "GPS" in k]
    context.close()
