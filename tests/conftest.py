"""Shared fixtures: the people of two organizations, Acme and Globex.

Each role-named fixture says in one line who it stands for, so a test reads as
"the leader cannot see the reflection" rather than as setup.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from cohorts.models import Membership, OrganizationMembership
from realtime import batching
from tests import factories


def pytest_configure(config):
    # Tests talk plain HTTP to the test client and to the browser tests' Daphne.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    # The site the in-process socket tests stand for: their pages' origin,
    # http://localhost, is then the site's own (realtime/origins.py).
    settings.SITE_URL = "http://localhost"
    # The collector's freezing is for a serving process: in this one it would
    # keep the garbage of a thousand tests (Daphne's, started by tests, keeps it on).
    settings.REALTIME_FREEZE_OBJECTS = False
    # WhiteNoise reads every static file's metadata when its middleware is made,
    # which every new test client does (20 ms, thousands of times); in this mode
    # it looks a file up when it is asked for. The Daphne processes that tests
    # start serve them as in production.
    settings.WHITENOISE_AUTOREFRESH = True
    # Concurrent runs, and the workers of one run (pytest-xdist), share one
    # Redis while their session ids, hence group names, overlap: each process
    # gets a prefix of its own, which the Daphne processes it starts reuse.
    layer = settings.CHANNEL_LAYERS["default"]
    if layer["BACKEND"].startswith("channels_redis."):
        layer.setdefault("CONFIG", {})["prefix"] = channel_layer_prefix()
    _flush_keeps_content_types_and_permissions()
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        _flush_postgresql_with_delete()


# Content types and permissions, written by `migrate`, never change in a test.
KEPT_BY_FLUSH = {"django_content_type", "auth_permission"}


def _flush_keeps_content_types_and_permissions():
    """The flush after each transactional test (every socket test) leaves the
    content types and permissions as `migrate` wrote them, rather than deleting
    them and writing them again from the post_migrate signal, which took a
    fifth of such a test's time."""
    from django.core.management.commands import flush

    def sql_flush(style, connection, reset_sequences=True, allow_cascade=False):
        tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        return connection.ops.sql_flush(
            style,
            [table for table in tables if table not in KEPT_BY_FLUSH],
            reset_sequences=reset_sequences,
            allow_cascade=allow_cascade,
        )

    flush.sql_flush = sql_flush
    # Its only receivers write the content types and permissions, kept above.
    flush.emit_post_migrate_signal = lambda *args, **kwargs: None


def _flush_postgresql_with_delete():
    """Empty PostgreSQL's tables after each transactional test (every socket
    test) with DELETE rather than TRUNCATE: TRUNCATE makes new files for ~45
    tables each time, 0.2 s a test, where these tables hold a few rows. The
    foreign keys Django makes there are deferred, so the order does not matter."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences:
            return truncate(self, style, tables, reset_sequences=True, allow_cascade=allow_cascade)
        # Table names come from Django's introspection, quoted.
        return [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608

    DatabaseOperations.sql_flush = sql_flush


def channel_layer_prefix() -> str:
    """This test process's channel-layer prefix (one per xdist worker)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{os.environ.get('CHANNEL_LAYER_PREFIX', 'cohorts')}-test-{worker}-{os.getpid()}"


# Fixtures that start Daphne processes once per module: the tests using them
# stay on one xdist worker (--dist loadgroup), which starts them once.
SERVER_GROUPS = {"two_daphnes": "two-daphnes", "daphne": "one-daphne"}
# Every test with a real Daphne process is slow (`make test-fast` skips them).
SERVER_FIXTURES = {*SERVER_GROUPS, "daphne_server"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        for fixture, group in SERVER_GROUPS.items():
            if fixture in fixtures:
                item.add_marker(pytest.mark.xdist_group(group))
        if fixtures & SERVER_FIXTURES:
            item.add_marker(pytest.mark.slow)


def pytest_sessionstart(session):
    """In the service pass, refuse to run quietly on the embedded defaults."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    if os.environ.get("REDIS_URL"):
        backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
        assert backend.startswith("channels_redis."), backend


def pytest_sessionfinish(session, exitstatus):
    """With REQUIRE_SERVICES=1 (CI's second pass) any skipped test fails the run.

    Under pytest-xdist the controller decides: the workers' reports, skips
    included, all reach its terminal reporter."""
    _remove_sqlite_side_files()
    if os.environ.get("REQUIRE_SERVICES") != "1" or hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"REQUIRE_SERVICES=1: {len(skipped)} test(s) skipped; every test must run here.",
            red=True,
        )
        session.exitstatus = 1


def _remove_sqlite_side_files():
    """SQLite's -wal and -shm files outlive the test database that
    pytest-django deletes (one per xdist worker)."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    name = Path(database.get("TEST", {}).get("NAME") or "")
    if name.name and not name.exists():
        for side in (name.with_name(name.name + "-wal"), name.with_name(name.name + "-shm")):
            side.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's, and before the test database is dropped: give back
    the connection of the thread that runs `database_sync_to_async` calls,
    else PostgreSQL refuses to drop a database in use (after the pool has
    waited 5 s for it)."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture(autouse=True)
def _close_write_batchers():
    """Each test's event loop gets its own writer thread (realtime.batching);
    its connection is closed when the test ends."""
    yield
    batching.close_all()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # For speed: the default PBKDF2 hasher costs ~100 ms per login.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def acme(db):
    """The organization most tests happen in."""
    return factories.OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def globex(db):
    """Another organization: nothing of Acme's may reach it."""
    return factories.OrganizationFactory(name="Globex", slug="globex")


@pytest.fixture
def cohort(acme):
    """Acme's cohort "Leading Through Change"."""
    return factories.CohortFactory(organization=acme, name="Leading Through Change")


@pytest.fixture
def facilitator(cohort):
    """The coach who runs the cohort."""
    user = factories.UserFactory(email="coach@acme.test", display_name="Casey Coach")
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.FACILITATOR)
    return user


@pytest.fixture
def leader(acme):
    """The participant's own manager (sponsor): in Acme, not in the cohort."""
    user = factories.UserFactory(email="lead1@acme.test", display_name="Lee Leader")
    factories.OrganizationMembershipFactory(organization=acme, user=user)
    return user


@pytest.fixture
def participant(cohort, leader):
    """A participant of the cohort, whose leader is `leader`."""
    user = factories.UserFactory(email="p1@acme.test", display_name="Pat One")
    factories.MembershipFactory(cohort=cohort, user=user, leader=leader)
    return user


@pytest.fixture
def other_participant(cohort):
    """Another participant of the same cohort, with no leader linked."""
    user = factories.UserFactory(email="p2@acme.test", display_name="Robin Two")
    factories.MembershipFactory(cohort=cohort, user=user)
    return user


@pytest.fixture
def hr_admin(acme):
    """Acme's HR business partner: enrolls cohorts, sees aggregates only."""
    user = factories.UserFactory(email="hr@acme.test", display_name="Harper HR")
    factories.OrganizationMembershipFactory(
        organization=acme, user=user, role=OrganizationMembership.Role.HR_ADMIN
    )
    return user


@pytest.fixture
def outsider(acme):
    """An Acme member with no relation to the cohort."""
    user = factories.UserFactory(email="someone@acme.test", display_name="Sam Else")
    factories.OrganizationMembershipFactory(organization=acme, user=user)
    return user


@pytest.fixture
def globex_user(globex):
    """Another organization's HR admin and coach: sees nothing of Acme's, not even 404 hints."""
    user = factories.UserFactory(email="hr@globex.test", display_name="Gil Globex")
    factories.OrganizationMembershipFactory(
        organization=globex, user=user, role=OrganizationMembership.Role.HR_ADMIN
    )
    globex_cohort = factories.CohortFactory(organization=globex, name="Globex Leaders")
    factories.MembershipFactory(cohort=globex_cohort, user=user, role=Membership.Role.FACILITATOR)
    return user
