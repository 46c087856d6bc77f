"""Only the site's own pages open its websockets: the Origin must match one of
the site's origins in scheme, host and port (realtime/origins.py)."""

import pytest
from channels.db import database_sync_to_async

from board.models import Presence
from realtime.origins import site_origins
from tests import streams
from tests.streams import WAIT

pytestmark = pytest.mark.django_db(transaction=True)


async def handshake(user, path, origin: bytes | None):
    """Whether the handshake is accepted, and the first output after it."""
    communicator = streams.communicator(
        path, cookie=await streams.session_cookie(user), origin=origin
    )
    connected, _ = await communicator.connect(timeout=WAIT)
    if not connected:
        return False, None
    first = await communicator.receive_output(timeout=WAIT)
    await communicator.disconnect()
    return True, first


@pytest.fixture
def served_on_https(settings):
    """A production site: https://cohorts.example.com, nothing else."""
    settings.SITE_URL = "https://cohorts.example.com"
    settings.ALLOWED_HOSTS = ["cohorts.example.com"]
    settings.CSRF_TRUSTED_ORIGINS = []


@pytest.fixture(params=["board", "cohort"])
def path(request, live_session, cohort):
    if request.param == "board":
        return f"/ws/sessions/{live_session.pk}/"
    return f"/ws/cohorts/{cohort.pk}/"


async def test_the_sites_own_origin_opens_a_socket(served_on_https, path, participant):
    accepted, first = await handshake(participant, path, b"https://cohorts.example.com")
    assert accepted and first["type"] == "websocket.send"


@pytest.mark.parametrize(
    "origin",
    [
        b"http://cohorts.example.com",  # wrong scheme
        b"https://cohorts.example.com:8443",  # wrong port
        b"http://cohorts.example.com:443",  # port right, scheme wrong
        b"https://cohorts.example.com.evil.example",
        b"https://evil.example",
        b"null",
        None,  # no Origin at all
    ],
)
async def test_any_other_origin_is_refused_at_the_handshake(
    served_on_https, path, participant, origin
):
    """Refused before the socket opens: the consumer never runs."""
    accepted, _first = await handshake(participant, path, origin)
    assert not accepted
    assert await database_sync_to_async(Presence.objects.count)() == 0


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        (b"http://localhost", True),  # the test process's site (tests/conftest.py)
        (b"http://127.0.0.1", True),  # one of ALLOWED_HOSTS, with the site's scheme and port
        (b"http://localhost:9999", False),
        (b"https://localhost", False),
        (b"http://localhost:8000", False),
    ],
)
async def test_the_tests_own_origin_is_the_only_local_one(path, participant, origin, accepted):
    assert (await handshake(participant, path, origin))[0] is accepted


def test_allowed_hosts_take_the_scheme_and_port_of_the_site_url(settings):
    """As `make run` serves it: http://127.0.0.1:8000, under its other names too."""
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "*"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.org"]
    assert site_origins() == [
        "http://127.0.0.1:8000",
        "https://.example.org",
        "http://localhost:8000",
        "http://127.0.0.1:8000",
        "http://[::1]:8000",
    ]


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        (b"http://localhost:8000", True),
        (b"http://[::1]:8000", True),
        (b"https://app.example.org", True),  # CSRF_TRUSTED_ORIGINS, subdomains
        (b"http://app.example.org", False),
        (b"http://localhost:8001", False),
        (b"http://localhost", False),
        (b"http://anything.example:8000", False),  # "*" does not open to every origin
    ],
)
async def test_origins_of_a_local_run(settings, path, participant, origin, accepted):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "*"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.org"]
    assert (await handshake(participant, path, origin))[0] is accepted
