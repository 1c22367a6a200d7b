"""The explicit list of providers, built for one connected account.

Built-ins are registered by name here (no discovery), each with the configuration its
platform needs: API base (live or a local fake), the account's username for permalinks,
and the gallery or kit folder for the two targets without a platform.
"""

from __future__ import annotations

from typing import Any

from clearpost.app.publishing import config
from clearpost.app.publishing.models import ConnectedAccount, Platform
from clearpost.providers.base import Provider


class LiveCallRefused(RuntimeError):
    """A live platform call was about to be made where none is allowed (tests)."""


def provider_for(account: ConnectedAccount, **options: Any) -> Provider:
    return provider_named(str(account.platform), handle=account.handle, **options)


def provider_named(name: str, *, handle: str = "", **options: Any) -> Provider:
    if name == Platform.WEBSITE:
        from clearpost.providers.website.client import WebsiteProvider

        return WebsiteProvider(config.website_dir(), base_url=config.website_url())
    if name == Platform.KIT:
        from clearpost.providers.kit.client import KitProvider

        return KitProvider(config.kit_dir())
    cfg = config.platform(name)
    if not cfg.is_fake and not config.live_calls_allowed():
        raise LiveCallRefused(f"Live calls to {name} are not allowed here.")
    base = cfg.api_base
    if name == Platform.INSTAGRAM:
        from clearpost.providers.instagram.client import InstagramProvider

        return InstagramProvider(base, **options)
    if name == Platform.FACEBOOK:
        from clearpost.providers.facebook.client import FacebookProvider

        return FacebookProvider(base, **options)
    if name == Platform.TIKTOK:
        from clearpost.providers.tiktok.client import TikTokProvider

        return TikTokProvider(base, username=handle, **options)
    if name == Platform.LINKEDIN:
        from clearpost.providers.linkedin.client import LinkedInProvider

        public = base if cfg.is_fake else "https://www.linkedin.com"
        return LinkedInProvider(base, public_base=public, **options)
    if name == Platform.GBP:
        from clearpost.providers.gbp.client import GbpProvider

        return GbpProvider(base, **options)
    if name == Platform.X:
        from clearpost.providers.x.client import XProvider

        public = base if cfg.is_fake else "https://x.com"
        return XProvider(base, username=handle, public_base=public, **options)
    raise ValueError(f"unknown platform {name!r}")
