"""An open socket loses what its user loses, within one heartbeat."""

import datetime
import time

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from board import services
from board.models import Attendance, Presence
from board.rules import access_session
from cohorts.models import Membership
from realtime import fanout
from tests.streams import BoardClient
from tests.waiting import eventually

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


async def test_a_participant_made_facilitator_gets_facilitator_events_after_a_beat(
    live_session, participant, other_participant, heartbeats
):
    pat = await BoardClient.join(participant, live_session.pk)
    robin = await BoardClient.join(other_participant, live_session.pk)
    await set_role(participant, live_session, Membership.Role.FACILITATOR)
    await heartbeats.wait()
    # Commitments go to their author and the facilitators only.
    await database_sync_to_async(_to_commitments)(live_session)
    await robin.request("commitment.add", text="Ask for feedback weekly")
    added = await pat.until("commitment.added")
    assert added["commitment"]["text"] == "Ask for feedback weekly"
    await pat.close()
    await robin.close()


def _to_commitments(session):
    facilitator = session.cohort.memberships.filter(role="facilitator").first().user
    phase = session.phases.get(kind="commitments")
    services.goto_phase(access=access_session(facilitator, session.pk), phase_id=phase.pk)


async def test_the_heartbeat_keeps_presence_and_attendance_fresh(live_session, participant):
    pat = await BoardClient.join(participant, live_session.pk)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    await database_sync_to_async(
        lambda: (
            Presence.objects.update(seen_at=long_ago),
            Attendance.objects.update(last_seen_at=long_ago),
        )
    )()

    @database_sync_to_async
    def refreshed():
        return (
            Presence.objects.get().seen_at > long_ago
            and Attendance.objects.get().last_seen_at > long_ago
        )

    await eventually(refreshed, what="presence and attendance seen again")
    await pat.close()


async def test_the_heartbeat_renews_group_memberships_before_the_layer_drops_them(
    live_session, participant, facilitator
):
    layer = get_channel_layer()
    layer.group_expiry = 1  # the layer forgets a membership after a second
    joined = time.monotonic()
    pat = await BoardClient.join(participant, live_session.pk)
    hub, group = fanout.current(), f"board.{live_session.pk}"
    # Past the expiry of the first join (Redis counts it in whole seconds),
    # the membership only holds if the heartbeat has joined again since.
    await eventually(
        lambda: hub.subscribed.get(group, 0) > joined + layer.group_expiry + 1,
        what="a renewal after the first join expired",
    )
    coach = await BoardClient.join(facilitator, live_session.pk)
    await coach.request("timer.start", seconds=60)
    assert (await pat.until("timer.changed"))["timer"]["state"] == "running"
    await pat.close()
    await coach.close()


async def test_a_group_whose_sockets_all_closed_is_not_joined_again(
    live_session, participant, monkeypatch
):
    pat = await BoardClient.join(participant, live_session.pk)
    hub = fanout.current()
    assert len(hub.subscribed) == 2  # the board's group and the user's
    for group in hub.subscribed:
        hub.subscribed[group] -= 10 * 86400  # due for renewal
    await pat.close()
    joined = []

    async def group_add(group, channel):
        joined.append(channel)

    monkeypatch.setattr(hub.layer, "group_add", group_add)
    await hub.renew()
    assert joined == [] and hub.subscribed == {} and hub.members == {}
