"""Shared fixtures: the people of two organizations, Acme and Globex.

Each role-named fixture says in one line who it stands for, so a test reads as
"the leader cannot see the reflection" rather than as setup.
"""

import os

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


def pytest_sessionstart(session):
    """In the service pass, refuse to run quietly on the embedded defaults."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    if os.environ.get("REDIS_URL"):
        backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
        assert backend.startswith("channels_redis."), backend


def pytest_sessionfinish(session, exitstatus):
    """With REQUIRE_SERVICES=1 (CI's second pass) any skipped test fails the run."""
    if os.environ.get("REQUIRE_SERVICES") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"REQUIRE_SERVICES=1: {len(skipped)} test(s) skipped; every test must run here.",
            red=True,
        )
        session.exitstatus = 1


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
