"""Which pages may open this site's websockets: the site's own origins only.

A browser sends the page's origin (scheme, host and port) with every
websocket handshake and, unlike a form post, the socket gets no CSRF token:
the origin is the only thing telling this site's pages from another site's
script riding on the user's cookie. Channels' `AllowedHostsOriginValidator`
compares host names only, so `http://localhost:9999` (any program on the
machine) passed where `localhost` was allowed. Here an origin must match one
of `site_origins()` in scheme, host and port.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import OriginValidator
from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def site_origins() -> list[str]:
    """The origins of this site's own pages, from the settings:

    - `SITE_URL`'s origin (the public address);
    - every `CSRF_TRUSTED_ORIGINS` entry (`https://*.example.com` stands for
      the subdomains of example.com, as for Django's CSRF check);
    - every `ALLOWED_HOSTS` name (`.example.com` with its subdomains) with
      `SITE_URL`'s scheme and port: the same site under another of its names.
      `*` adds nothing: it does not make every origin the site's own.
    """
    site = urlsplit(settings.SITE_URL)
    scheme = site.scheme or "http"
    port = site.port or DEFAULT_PORTS.get(scheme, 80)
    host = f"[{site.hostname}]" if ":" in (site.hostname or "") else site.hostname
    origins = [f"{scheme}://{host}:{port}"] if host else []
    origins += [origin.replace("://*.", "://.", 1) for origin in settings.CSRF_TRUSTED_ORIGINS]
    origins += [f"{scheme}://{host}:{port}" for host in settings.ALLOWED_HOSTS if host != "*"]
    return origins


class SiteOriginValidator(OriginValidator):
    """Channels' `OriginValidator` (a missing origin is refused), matching
    `site_origins()` as the settings say at each handshake, not as they were
    when this module was imported (tests change them)."""

    def __init__(self, application):
        super().__init__(application, allowed_origins=[])

    def validate_origin(self, parsed_origin) -> bool:
        return any(self.match_allowed_origin(parsed_origin, origin) for origin in site_origins())
