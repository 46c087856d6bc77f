"""Two real Daphne processes sharing the test database and Redis."""

import pytest
from django.conf import settings

from tests.multiprocess.support import session_cookie
from tests.realtime.conftest import schedule_session, start_live
from tests.servers import DaphneServer


@pytest.fixture(scope="module")
def two_daphnes(django_db_setup):
    """Two Daphne processes on one Redis channel layer, on the test database
    (tests using them need django_db(transaction=True): data must be committed)."""
    if not settings.REDIS_URL:
        pytest.skip(
            "needs REDIS_URL: the in-memory channel layer cannot reach another process "
            "(this test runs in the PostgreSQL + Redis pass)"
        )
    servers = []
    try:
        servers.append(DaphneServer())
        servers.append(DaphneServer())
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def live_session(cohort, facilitator, participant, other_participant):
    """A live session of the cohort, on its reflection phase."""
    return start_live(schedule_session(cohort, facilitator), facilitator)


@pytest.fixture
def cookies(participant, other_participant):
    """Real session cookies of two participants, by first name."""
    return {"pat": session_cookie(participant), "robin": session_cookie(other_participant)}
