"""Two real Daphne processes sharing the test database and Redis."""

import os

import pytest
from django.conf import settings

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
    # Concurrent test runs share one Redis: this run's groups get their own prefix.
    env = {"CHANNEL_LAYER_PREFIX": f"cohorts-test-{os.getpid()}"}
    servers = []
    try:
        servers.append(DaphneServer(extra_env=env))
        servers.append(DaphneServer(extra_env=env))
        yield servers
    finally:
        for server in servers:
            server.stop()
