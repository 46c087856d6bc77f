"""The Content-Security-Policy on every page, the markup it relies on, and the
production host check.

The policy lets only this site's own files run, style and load. It holds
without 'unsafe-inline' because no template has an inline script, event
handler, style attribute or <style> block: the templates are read for them,
and so is every page served (the admin's and allauth's included).
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.board_helpers import live_session
from tests.test_settings import clean_environ

BASE_DIR = Path(settings.BASE_DIR)
HEADER = "Content-Security-Policy"

EXPECTED = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

# What a strict policy forbids in markup: a style attribute or block, an
# inline event handler, a javascript: URL, and a <script> that runs without
# a src (a JSON data block is not run).
INLINE_STYLE = re.compile(r"<[a-z][^>]*\sstyle\s*=|<style[\s>]", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
DATA_BLOCK = re.compile(r"""\btype\s*=\s*["']application/json["']""", re.IGNORECASE)


def inline_code(markup: str) -> list[str]:
    """The pieces of `markup` that the policy would refuse, empty if none."""
    found = [m.group(0) for m in INLINE_STYLE.finditer(markup)]
    found += [m.group(0) for m in INLINE_HANDLER.finditer(markup)]
    found += [m.group(0) for m in JAVASCRIPT_URL.finditer(markup)]
    found += [
        m.group(0)
        for m in SCRIPT_TAG.finditer(markup)
        if not re.search(r"\bsrc\s*=", m.group(1)) and not DATA_BLOCK.search(m.group(1))
    ]
    return found


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean_environ(DJANGO_SETTINGS_MODULE="config.settings", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} appears twice in {header!r}"
        parsed[name] = sources
    return parsed


def assert_strict_policy(response):
    assert HEADER in response, f"no {HEADER} on {response.request['PATH_INFO']}"
    header = response[HEADER]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, header
    policy = directives(header)
    connect = policy.pop("connect-src")
    assert policy == EXPECTED
    assert connect[0] == "'self'"
    assert connect[1:], "the websocket origins are missing from connect-src"
    assert all(re.fullmatch(r"wss?://[^\s;]+", source) for source in connect[1:]), connect


# --- The markup -------------------------------------------------------------


def test_the_checker_finds_every_kind_of_inline_code():
    """Each pattern the template test relies on catches what it is for."""
    refused = [
        '<p style="color: red">',
        "<style>p { color: red }</style>",
        '<button type="button" onclick="go()">',
        '<a href="javascript:go()">',
        "<script>go()</script>",
        '<script type="module">go()</script>',
    ]
    for markup in refused:
        assert inline_code(markup), markup
    allowed = [
        '<script type="module" src="/static/js/board.js"></script>',
        '<script id="board-config" type="application/json">{"a": 1}</script>',
        '<p class="styled">Once upon a time, onwards=forwards</p>',
    ]
    for markup in allowed:
        assert inline_code(markup) == [], markup


def test_no_template_has_inline_script_handler_or_style():
    offenders = {}
    for path in sorted((BASE_DIR / "templates").rglob("*.html")):
        if found := inline_code(path.read_text()):
            offenders[str(path.relative_to(BASE_DIR))] = found
    assert offenders == {}


def test_the_svg_charts_are_styled_by_classes():
    charts = sorted((BASE_DIR / "templates" / "charts").glob("*.html"))
    assert charts, "the chart templates moved"
    for path in charts:
        source = path.read_text()
        assert "class=" in source, path
        assert inline_code(source) == [], path


# --- Every page -------------------------------------------------------------


@pytest.fixture
def staff(db):
    """An operator with the Django admin."""
    return factories.UserFactory(email="ops@example.test", is_staff=True, is_superuser=True)


@pytest.fixture
def pages(cohort, facilitator, participant, leader, hr_admin, staff):
    """(who, URL) of representative pages: each role's home and dashboards,
    the cohort, a live board, the settings page, the login pages and the admin."""
    session = live_session(cohort, facilitator)
    return [
        (None, reverse("account_login")),
        (None, reverse("account_signup")),
        (None, reverse("account_reset_password")),
        (None, reverse("admin:login")),
        (participant, reverse("cohorts:home")),
        (facilitator, reverse("cohorts:home")),
        (leader, reverse("cohorts:home")),
        (hr_admin, reverse("cohorts:home")),
        (facilitator, reverse("cohorts:detail", args=[cohort.pk])),
        (participant, reverse("cohorts:detail", args=[cohort.pk])),
        (facilitator, reverse("cohorts:roster", args=[cohort.pk])),
        (facilitator, reverse("board:board", args=[session.pk])),
        (participant, reverse("board:board", args=[session.pk])),
        (facilitator, reverse("insight:cohort_dashboard", args=[cohort.pk])),
        (leader, reverse("insight:people")),
        (participant, reverse("insight:rhythm")),
        (participant, reverse("notifications:settings")),
        (participant, reverse("account_change_password")),
        (staff, reverse("admin:index")),
        (staff, reverse("admin:cohorts_cohort_changelist")),
        (staff, reverse("admin:cohorts_cohort_change", args=[cohort.pk])),
        (staff, reverse("admin:accounts_user_change", args=[participant.pk])),
    ]


def get(who, url):
    client = Client()
    if who is not None:
        client.force_login(who)
    return client.get(url)


def test_every_page_carries_exactly_the_strict_policy(pages):
    for who, url in pages:
        response = get(who, url)
        assert response.status_code in (200, 302), (url, response.status_code)
        assert_strict_policy(response)


def test_no_page_served_has_inline_code(pages):
    """The same reading as the templates', on what is sent: it covers the
    admin's and allauth's own templates too."""
    offenders = {}
    for who, url in pages:
        response = get(who, url)
        if response.status_code == 200 and (found := inline_code(response.text)):
            offenders[url] = found
    assert offenders == {}


def test_refusals_and_missing_pages_carry_the_policy_too(client, participant):
    client.force_login(participant)
    assert_strict_policy(client.get("/no/such/page/"))
    assert_strict_policy(client.get(reverse("insight:cohort_dashboard", args=[999999])))


def test_production_keeps_secure_cookies_and_hsts():
    """HTTPS is on by default outside DEBUG: cookies are secure and HSTS is sent."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = run_python(code, DEBUG="0", ALLOWED_HOSTS="cohorts.example.com")
    assert result.stdout.split() == ["True", "True", "True"], result.stderr


# --- The settings -----------------------------------------------------------


CONNECT_SRC = (
    "import django; django.setup(); from django.conf import settings; "
    "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src']))"
)


def test_connect_src_names_the_websocket_origin_of_every_site_name():
    result = run_python(
        CONNECT_SRC,
        DEBUG="0",
        SITE_URL="https://cohorts.example.com",
        ALLOWED_HOSTS="cohorts.example.com,.example.org,[::1]",
        CSRF_TRUSTED_ORIGINS="https://*.coach.example.net,https://staging.example.com:8443",
    )
    assert result.stdout.split() == [
        "'self'",
        "wss://cohorts.example.com",
        # ".example.org": the domain and its subdomains, as Django reads it.
        "wss://example.org",
        "wss://*.example.org",
        "wss://*.coach.example.net",
        "wss://staging.example.com:8443",
        # [::1] cannot be written in a policy: 'self' stands for it.
    ], result.stderr


def test_connect_src_keeps_a_plain_site_port():
    result = run_python(
        CONNECT_SRC, DEBUG="1", SITE_URL="http://127.0.0.1:8000", ALLOWED_HOSTS="localhost,*"
    )
    assert result.stdout.split() == ["'self'", "ws://127.0.0.1:8000", "ws://localhost:8000"], (
        result.stderr
    )


def test_a_wildcard_host_is_refused_by_name_when_debug_is_off():
    result = run_python(
        "import django; django.setup()", DEBUG="0", ALLOWED_HOSTS="cohorts.example.com,*"
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list this site's host names when DEBUG is off" in result.stderr


def test_a_wildcard_host_is_allowed_while_debugging():
    result = run_python("import django; django.setup()", DEBUG="1", ALLOWED_HOSTS="*")
    assert result.returncode == 0, result.stderr
