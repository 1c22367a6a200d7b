"""Where each platform lives and which app credentials ClearPost uses there.

Everything comes from the environment, read strictly (`clearpost.app.env`):

- `CLEARPOST_<PLATFORM>_API_BASE` points a provider at another host (the local fakes
  under `make run`; tests set it to a fake they started). Unset means the live platform.
- `CLEARPOST_<PLATFORM>_CLIENT_ID` / `_CLIENT_SECRET` are the practice's app credentials
  for the OAuth connect flow on the live platform. Without them the platform cannot be
  connected (the settings page says so) and nothing is ever sent to it.
- `CLEARPOST_WEBSITE_DIR` / `CLEARPOST_WEBSITE_URL`: where the gallery is written and
  served; `CLEARPOST_KIT_DIR`: where kits are written.

Tests never reach a live platform: the test settings fixture points every base at a
fake, and `live_calls_allowed()` is false under pytest.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

from django.conf import settings

from clearpost.app.env import Env

PLATFORMS = ("instagram", "facebook", "tiktok", "linkedin", "x")

LIVE = {
    "instagram": ("https://graph.facebook.com", "https://www.facebook.com/v25.0/dialog/oauth"),
    "facebook": ("https://graph.facebook.com", "https://www.facebook.com/v25.0/dialog/oauth"),
    "tiktok": ("https://open.tiktokapis.com", "https://www.tiktok.com/v2/auth/authorize/"),
    "linkedin": ("https://api.linkedin.com", "https://www.linkedin.com/oauth/v2/authorization"),
    "x": ("https://api.x.com", "https://x.com/i/oauth2/authorize"),
    "gbp": ("https://mybusiness.googleapis.com", "https://accounts.google.com/o/oauth2/v2/auth"),
}
# The path of the consent dialog on each fake, relative to its base.
FAKE_AUTHORIZE = {
    "instagram": "/dialog/oauth",
    "facebook": "/dialog/oauth",
    "tiktok": "/v2/auth/authorize/",
    "linkedin": "/oauth/v2/authorization",
    "x": "/i/oauth2/authorize",
    "gbp": "/o/oauth2/v2/auth",
}
FAKE_CLIENTS = {
    "instagram": ("fake-app-id", "fake-app-secret"),
    "facebook": ("fake-app-id", "fake-app-secret"),
    "tiktok": ("fake-client-key", "fake-client-secret"),
    "linkedin": ("fake-li-client", "fake-li-secret"),
    "x": ("fake-x-client", "fake-x-secret"),
    "gbp": ("fake-google-client", "fake-google-secret"),
}


@dataclasses.dataclass(frozen=True)
class PlatformConfig:
    platform: str
    api_base: str
    authorize_url: str
    client_id: str
    client_secret: str
    is_fake: bool

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)


def live_calls_allowed() -> bool:
    return "pytest" not in sys.modules


def platform(name: str, environ: dict[str, str] | None = None) -> PlatformConfig:
    env = Env(environ if environ is not None else dict(os.environ))
    key = name.upper()
    base = env.optional(f"CLEARPOST_{key}_API_BASE")
    live_api, live_auth = LIVE[name]
    if base:
        cid, secret = FAKE_CLIENTS[name]
        return PlatformConfig(
            name,
            base.rstrip("/"),
            base.rstrip("/") + FAKE_AUTHORIZE[name],
            env.string(f"CLEARPOST_{key}_CLIENT_ID", cid),
            env.string(f"CLEARPOST_{key}_CLIENT_SECRET", secret),
            True,
        )
    allowed = live_calls_allowed()
    return PlatformConfig(
        name,
        live_api,
        live_auth,
        env.string(f"CLEARPOST_{key}_CLIENT_ID", "") if allowed else "",
        env.string(f"CLEARPOST_{key}_CLIENT_SECRET", "") if allowed else "",
        False,
    )


def website_dir() -> Path:
    return Env().path("CLEARPOST_WEBSITE_DIR", Path(settings.DATA_DIR) / "website")


def website_url() -> str:
    return Env().string("CLEARPOST_WEBSITE_URL", "").rstrip("/")


def kit_dir() -> Path:
    return Env().path("CLEARPOST_KIT_DIR", Path(settings.DATA_DIR) / "kits")
