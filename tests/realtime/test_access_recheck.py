"""An open socket loses what its user loses, within one heartbeat."""

import pytest
from channels.db import database_sync_to_async

from cohorts.models import Membership
from tests.realtime.conftest import BoardClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _quick_heartbeat(settings):
    settings.REALTIME_PRESENCE_HEARTBEAT = 0.05


@database_sync_to_async
def set_role(user, session, role=None):
    memberships = Membership.objects.filter(cohort=session.cohort, user=user)
    if role is None:
        memberships.delete()
    else:
        memberships.update(role=role)


async def test_a_participant_removed_from_the_cohort_is_closed_with_4403(
    live_session, participant
):
    pat = await BoardClient.join(participant, live_session.pk)
    await set_role(participant, live_session, None)
    output = await pat.communicator.receive_output(timeout=5)
    while output["type"] == "websocket.send":  # presence frames may come first
        output = await pat.communicator.receive_output(timeout=5)
    assert output["type"] == "websocket.close"
    assert output["code"] == 4403
