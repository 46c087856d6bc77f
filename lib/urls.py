"""Addresses that come from a request, checked before the site sends anyone there."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme

from lib.text import is_single_line


def same_site_path(value: str | None) -> str | None:
    """`value` if it is a path on this site (such as a form's `next`), else None.

    A path starts with one "/"; "//host" and "/\\host" are addresses on
    another site to a browser, and Django's check refuses the rest (a scheme,
    a host). A control character anywhere is refused too: browsers drop tabs
    and line breaks from addresses ("/", a tab, "/host" is "//host"), and a line break
    cannot go into a Location header. The result goes to HttpResponseRedirect,
    never to `redirect()`, which would reverse a bare word as a URL name.
    """
    if not value or not value.startswith("/") or value[1:2] in ("/", "\\"):
        return None
    if not is_single_line(value):
        return None
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return None
    return value
