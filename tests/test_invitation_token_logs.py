"""An invitation's token, carried in its link's path, never reaches a log:
Django's request warnings, the console handler and Daphne's access log all
print the path with the token masked."""

import datetime
import io
import logging
import secrets
import urllib.error
import urllib.request

import pytest
from daphne.access import AccessLogGenerator
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Invitation
from lib.logs import MASK, MaskSecretsFilter
from tests import factories
from tests.servers import DaphneServer


def make_invitation(cohort, state: str) -> str:
    """An invitation in `state` (valid, expired); its token, or an unknown one."""
    token = secrets.token_urlsafe(32)
    if state == "unknown":
        return token
    expires_at = timezone.now() + datetime.timedelta(days=1)
    if state == "expired":
        expires_at = timezone.now() - datetime.timedelta(days=1)
    factories.InvitationFactory(cohort=cohort, token=token, expires_at=expires_at)
    return token


def logged_text(records) -> str:
    return "\n".join(
        record.getMessage() + (record.exc_text or "") + repr(record.args) for record in records
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "status"), [("valid", 200), ("unknown", 404), ("expired", 410)])
def test_an_invitation_request_logs_no_token(client, cohort, caplog, state, status):
    token = make_invitation(cohort, state)
    caplog.set_level(logging.DEBUG)
    for response in (
        client.get(reverse("cohorts:invitation", args=[token])),
        client.post(reverse("cohorts:invitation", args=[token]), {"display_name": "N"}),
    ):
        assert response.status_code == status
    assert token not in logged_text(caplog.records)
    if status >= 400:
        # Still logged, path and all, with the token masked.
        assert f"/invitations/{MASK}/" in caplog.text


@pytest.mark.django_db
def test_a_refused_csrf_check_on_an_invitation_logs_no_token(cohort, caplog):
    token = make_invitation(cohort, "valid")
    caplog.set_level(logging.WARNING)
    response = Client(enforce_csrf_checks=True).post(
        reverse("cohorts:invitation", args=[token]), {"display_name": "N"}
    )
    assert response.status_code == 403
    assert token not in logged_text(caplog.records)
    assert f"/invitations/{MASK}/" in caplog.text


def test_the_console_handler_masks_records_of_any_logger():
    """A logger not listed in LOGGING (a security warning, a third party) is
    masked by the handler that prints it."""
    (console,) = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, MaskSecretsFilter) for f in handler.filters)
    ]
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        logging.getLogger("django.security.SuspiciousOperation").warning(
            "Odd request to %s", "/invitations/abc-DEF_123/?next=/x"
        )
        logging.getLogger("somewhere.else").error(
            "Failed", exc_info=ValueError("/accounts/password/reset/key/1a-key-1234/")
        )
    finally:
        console.setStream(previous)
    assert "abc-DEF_123" not in stream.getvalue()
    assert "key-1234" not in stream.getvalue()
    assert f"Odd request to /invitations/{MASK}/?next=/x" in stream.getvalue()


@pytest.mark.parametrize(
    ("path", "masked"),
    [
        ("/invitations/abc-DEF_123/", f"/invitations/{MASK}/"),
        ("/invitations/abc/?x=1", f"/invitations/{MASK}/?x=1"),
        ("/accounts/password/reset/key/1a-xyz/", f"/accounts/password/reset/key/{MASK}/"),
        ("/accounts/confirm-email/Mg:1u:abc/", f"/accounts/confirm-email/{MASK}/"),
        ("/cohorts/3/roster/", "/cohorts/3/roster/"),
    ],
)
def test_the_patterns_mask_the_secret_part_only(path, masked):
    assert MaskSecretsFilter(settings.SECRET_URL_PATTERNS).patterns
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "Not Found: %s", (path,), None)
    MaskSecretsFilter(settings.SECRET_URL_PATTERNS).filter(record)
    assert record.getMessage() == f"Not Found: {masked}"


@pytest.mark.django_db
def test_the_pattern_matches_the_invitation_url_as_routed(cohort):
    """The settings' pattern follows cohorts/urls.py: a real link is masked."""
    token, _hash = Invitation.new_token()
    record = logging.LogRecord(
        "x",
        logging.WARNING,
        __file__,
        1,
        "%s",
        (reverse("cohorts:invitation", args=[token]),),
        None,
    )
    MaskSecretsFilter(settings.SECRET_URL_PATTERNS).filter(record)
    assert token not in record.getMessage()


def test_daphne_s_access_log_generator_masks_every_kind_of_line():
    """Daphne's command line writes these lines itself, not through logging."""
    stream = io.StringIO()
    log = AccessLogGenerator(stream)
    client = {"client": "127.0.0.1:5000"}
    log(
        "http",
        "complete",
        {**client, "path": "/invitations/tok-1/?a=b", "method": "GET", "status": 404, "size": 10},
    )
    for action in ("connecting", "rejected", "connected", "disconnected"):
        log("websocket", action, {**client, "path": "/invitations/tok-2/"})
    assert "tok-1" not in stream.getvalue() and "tok-2" not in stream.getvalue()
    assert f'"GET /invitations/{MASK}/?a=b" 404 10' in stream.getvalue()
    assert stream.getvalue().count(MASK) == 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow  # a real Daphne process
def test_a_real_daphne_prints_no_token(cohort):
    """`daphne config.asgi:application`, as `make run` starts it (access log on
    stdout): neither its access log nor Django's warnings print a token."""
    tokens = {state: make_invitation(cohort, state) for state in ("valid", "unknown", "expired")}
    server = DaphneServer()
    try:
        statuses = {}
        for state, token in tokens.items():
            try:
                with urllib.request.urlopen(f"{server.url}/invitations/{token}/") as response:
                    statuses[state] = response.status
            except urllib.error.HTTPError as error:
                statuses[state] = error.code
        # Stopped and waited for, so that everything it printed is in the file.
        server.process.terminate()
        server.process.wait(timeout=15)
        output = server.log_path.read_text()
    finally:
        server.stop()
    assert statuses == {"valid": 200, "unknown": 404, "expired": 410}
    for token in tokens.values():
        assert token not in output
    assert output.count(f"GET /invitations/{MASK}/") == 3  # the access log's lines
    assert f"Not Found: /invitations/{MASK}/" in output  # Django's warning
