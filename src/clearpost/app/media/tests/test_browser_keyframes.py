"""Issue 7 in Chromium: on a video, "Follow the picture" and two boxes drawn at two
moments save one region with two keyframes in the engine's format."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from clearpost.app.accounts.models import User
from clearpost.app.authorizations.tests.test_browser import TABLET, _enrol, _sign_in
from clearpost.app.media import tasks
from clearpost.app.media.models import MediaItem
from clearpost.app.media.tests import media_files
from clearpost.app.media.tests.conftest import Team, chunked_upload, item_of
from clearpost.app.media.tests.test_browser import chromium, serial  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _drag(page: Any, x: float, y: float, w: float, h: float, scale: float, at: Any) -> None:
    page.mouse.move(at["x"] + x * scale, at["y"] + y * scale)
    page.mouse.down()
    page.mouse.move(at["x"] + (x + w) * scale, at["y"] + (y + h) * scale, steps=6)
    page.mouse.up()


def test_a_moving_region_is_drawn_at_two_moments(
    live_server: Any,
    serial: threading.Lock,  # noqa: F811
    chromium: Any,  # noqa: F811
    team: Team,
    login: Callable[[User], Client],
    tmp_path: Path,
) -> None:
    team.clinician.username = "clinic"
    team.clinician.save()
    with serial:
        item = item_of(
            chunked_upload(login(team.clinician), media_files.short_video(tmp_path, seconds=8))
        )
        assert tasks.run_deid(item.public_id, item.generation) == "cleared"
    page = chromium.new_context(viewport=TABLET).new_page()
    _sign_in(page, live_server.url, "clinic", _enrol(team.clinician))
    page.goto(f"{live_server.url}/media/{item.public_id}/regions/")
    page.wait_for_selector("#seek:not([max='0'])")  # the video's length is known
    page.check("[data-testid=follow]")
    svg = page.locator("[data-testid=drawing]")
    svg.scroll_into_view_if_needed()
    at = svg.bounding_box()
    scale = at["width"] / 320
    _drag(page, 10, 10, 40, 40, scale, at)
    # Play and pause a moment later (the media views answer without byte ranges, so
    # Chromium cannot seek a video it streams; playing moves the time instead).
    page.click("#play")
    page.wait_for_selector("#now:text-matches('^(0\\.[5-9]|1\\.)')")
    page.click("#play")
    svg.scroll_into_view_if_needed()
    _drag(page, 60, 20, 40, 40, scale, svg.bounding_box())  # the page scrolled to the button
    assert "2 keyframe(s)" in page.inner_text("#region-count")
    page.click("[data-testid=save-regions]")
    page.wait_for_url(f"**/media/{item.public_id}/")
    item = MediaItem.objects.get(pk=item.pk)
    (region,) = item.regions
    times = [k["t"] for k in region["keyframes"]]
    assert (
        times[0] == 0
        and 0.5 <= times[1] < 2.5
        and region["keyframes"][1]["box"][0] > region["keyframes"][0]["box"][0]
    )
