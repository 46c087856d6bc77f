"""The cohort stream tells each reader whether they may reply to a check-in
(`can_reply`), by the rule the server applies to `reply.post`: the author,
the author's partners of the round the check-in was written in, and the
facilitators. A partner of a later round reads a shared check-in but does not
reply to it; a partner of its own round still does after a rotation."""

import datetime

import pytest
from channels.db import database_sync_to_async

from goals import periods, services
from goals.models import PartnerRound
from tests.goals_support import access, add_participant, pair_up
from tests.streams import frames_until, join_cohort

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def write_checkin(cohort, user, *, shared=True):
    entry, _created = services.submit_checkin(
        access=access(user, cohort),
        period_start=periods.current_period(periods.rhythm_for(cohort)).start,
        energy=3,
        win="Asked for help early",
        shared_with_cohort=shared,
    )
    return entry


@database_sync_to_async
def rotate(cohort, *groups):
    """A new round in force, newer than every earlier one."""
    newest = PartnerRound.objects.filter(cohort=cohort).first()
    later = newest.created_at + datetime.timedelta(minutes=1)
    return pair_up(cohort, *groups, created_at=later)


def can_reply_of(snapshot, checkin) -> bool:
    [entry] = [item for item in snapshot["checkins"] if item["id"] == checkin.pk]
    return entry["can_reply"]


async def test_the_snapshot_says_who_replies_to_a_checkin_written_before_a_rotation(
    cohort, facilitator, participant, other_participant
):
    third = await database_sync_to_async(add_participant)(cohort, "p3@acme.test", "Quinn Three")
    fourth = await database_sync_to_async(add_participant)(cohort, "p4@acme.test", "Max Four")
    await database_sync_to_async(pair_up)(
        cohort, [participant, other_participant], [third, fourth]
    )
    entry = await write_checkin(cohort, participant)
    await rotate(cohort, [participant, third], [other_participant, fourth])
    expected = {
        participant: True,  # the author
        other_participant: True,  # their partner when it was written
        third: False,  # their partner now: reads it (shared), does not reply
        fourth: False,
        facilitator: True,
    }
    for user, can_reply in expected.items():
        socket, snapshot = await join_cohort(user, cohort)
        assert can_reply_of(snapshot, entry) is can_reply, user
        await socket.disconnect()


async def test_checkin_events_carry_each_readers_can_reply(
    cohort, facilitator, participant, other_participant
):
    third = await database_sync_to_async(add_participant)(cohort, "p3@acme.test", "Quinn Three")
    await database_sync_to_async(pair_up)(cohort, [participant, other_participant, third])
    fourth = await database_sync_to_async(add_participant)(cohort, "p4@acme.test", "Max Four")
    sockets = {user: (await join_cohort(user, cohort))[0] for user in (other_participant, fourth)}
    sockets[facilitator] = (await join_cohort(facilitator, cohort))[0]
    await write_checkin(cohort, participant)
    expected = {other_participant: True, facilitator: True, fourth: False}
    for user, can_reply in expected.items():
        frames = await frames_until(sockets[user], lambda f: f["type"] == "checkin.posted")
        assert frames[-1]["checkin"]["can_reply"] is can_reply, user
    for socket in sockets.values():
        await socket.disconnect()
