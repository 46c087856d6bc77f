"""A refused handshake tells nothing: one close code (4404) for a stream that
does not exist, one the user may not open, a visitor not signed in, and a
path no stream serves; never a server error."""

import pytest
from channels.db import database_sync_to_async

from board.models import Presence
from tests import factories, streams

pytestmark = pytest.mark.django_db(transaction=True)


async def close_code(user, path) -> int:
    """The code a socket on `path` is closed with, opened by `user` (None: a
    visitor not signed in). The handshake is accepted first, so that a
    browser sees the code."""
    return await streams.close_code(await streams.open_stream(user, path))


@pytest.fixture
def another_cohorts_session(acme, live_session):
    """A session of another Acme cohort: it exists, and Pat may not open it."""
    other = factories.CohortFactory(organization=acme, name="Another cohort")
    return live_session.__class__.objects.create(
        cohort=other, title="Elsewhere", starts_at=live_session.starts_at, duration_minutes=60
    )


@pytest.mark.parametrize("signed_in", [True, False], ids=["participant", "anonymous"])
async def test_a_forbidden_board_and_a_missing_one_close_alike(
    live_session, another_cohorts_session, participant, signed_in
):
    user = participant if signed_in else None
    forbidden = await close_code(user, f"/ws/sessions/{another_cohorts_session.pk}/")
    missing = await close_code(user, f"/ws/sessions/{another_cohorts_session.pk + 1000}/")
    assert forbidden == missing == 4404
    assert await database_sync_to_async(Presence.objects.count)() == 0


@pytest.mark.parametrize("signed_in", [True, False], ids=["participant", "anonymous"])
async def test_a_forbidden_cohort_and_a_missing_one_close_alike(
    cohort, globex, participant, signed_in
):
    other = await database_sync_to_async(factories.CohortFactory)(organization=globex)
    user = participant if signed_in else None
    forbidden = await close_code(user, f"/ws/cohorts/{other.pk}/")
    missing = await close_code(user, f"/ws/cohorts/{other.pk + 1000}/")
    assert forbidden == missing == 4404


async def test_the_hr_admin_is_refused_the_cohort_stream_as_a_stranger_is(
    cohort, hr_admin, outsider
):
    assert await close_code(hr_admin, f"/ws/cohorts/{cohort.pk}/") == 4404
    assert await close_code(outsider, f"/ws/cohorts/{cohort.pk}/") == 4404


@pytest.mark.parametrize(
    "path",
    [
        "/ws/unknown/",
        "/ws/sessions/-1/",
        "/ws/cohorts/-1/",
        "/ws/sessions/abc/",
        "/ws/sessions/1",
        "/ws/sessions/1/extra/",
        "/",
        "/ws/sessions/99999999999999999999999999/",
        "/ws/cohorts/99999999999999999999999999/",
    ],
)
@pytest.mark.parametrize("signed_in", [True, False], ids=["participant", "anonymous"])
async def test_a_path_no_stream_serves_closes_as_a_refused_stream(
    live_session, participant, path, signed_in
):
    """No 500 and no traceback: the same 4404 as a stream one may not open."""
    assert await close_code(participant if signed_in else None, path) == 4404
