"""On the cohort stream, a check-in goes to the partners of the moment it was
written: refused rearrangements and later rotations change none of its
readers, in the snapshot, live, or on a resume."""

import random

import pytest
from channels.db import database_sync_to_async

from goals import services
from goals.models import PartnerSlot
from lib.errors import DomainError
from tests.goals_support import access, membership
from tests.realtime.test_cohort_socket import pairs as pairs  # the fixture
from tests.realtime.test_cohort_socket import write_checkin
from tests.streams import frames_until, join_cohort, reply_to, send

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def try_to_pair_pat_with_quinn(cohort, facilitator, participant, other_participant, pairs):
    """The facilitator's rearrangement: Pat with Quinn, Robin with Max."""
    assignment = {
        membership(participant, cohort).pk: 1,
        membership(pairs["third"], cohort).pk: 1,
        membership(other_participant, cohort).pk: 2,
        membership(pairs["fourth"], cohort).pk: 2,
    }
    with pytest.raises(DomainError) as refused:
        services.edit_partner_groups(
            access=access(facilitator, cohort),
            round=services.current_round(cohort),
            assignment=assignment,
        )
    return refused.value


@database_sync_to_async
def slots(cohort):
    return sorted(
        PartnerSlot.objects.filter(round__cohort=cohort).values_list(
            "round_id", "group_id", "membership_id"
        )
    )


async def test_a_refused_rearrangement_sends_nothing_and_readers_stay(
    cohort,
    facilitator,
    participant,
    other_participant,
    pairs,  # noqa: F811 (the imported fixture)
):
    """Once Pat has checked in, the groups cannot be rearranged: Quinn gets no
    event of Pat's check-in and Robin loses none."""
    entry = await write_checkin(cohort, participant, win="For Robin")
    robin, _ = await join_cohort(other_participant, cohort)
    quinn, snapshot = await join_cohort(pairs["third"], cohort)
    assert snapshot["checkins"] == []
    before = await slots(cohort)
    refused = await try_to_pair_pat_with_quinn(
        cohort, facilitator, participant, other_participant, pairs
    )
    assert refused.code == "in_use"
    assert await slots(cohort) == before
    assert await quinn.receive_nothing(timeout=0.2)
    assert await robin.receive_nothing(timeout=0.2)
    later, again = await join_cohort(other_participant, cohort)
    assert [c["id"] for c in again["checkins"]] == [entry.pk]
    for communicator in (robin, quinn, later):
        await communicator.disconnect()


async def test_after_a_rotation_the_checkin_keeps_its_partners_everywhere(
    cohort,
    facilitator,
    participant,
    other_participant,
    pairs,  # noqa: F811 (the imported fixture)
):
    """Pat's check-in was written while Robin was Pat's partner. After a
    rotation, Robin still gets it in the snapshot, its edit live, its thread,
    and all of it on a resume; Pat's new partner gets none of it."""
    before, first = await join_cohort(other_participant, cohort)
    start = first["seq"]
    await before.disconnect()
    entry = await write_checkin(cohort, participant, win="For Robin")
    await database_sync_to_async(services.rotate_partners)(
        access=await database_sync_to_async(access)(facilitator, cohort), rng=random.Random(11)
    )
    [newcomer] = [
        m.user
        for m in await database_sync_to_async(
            lambda: list(services.partners_of(membership(participant, cohort)))
        )()
    ]
    assert newcomer in (pairs["third"], pairs["fourth"])

    robin, snapshot = await join_cohort(other_participant, cohort)
    assert [c["id"] for c in snapshot["checkins"]] == [entry.pk]
    new, snapshot = await join_cohort(newcomer, cohort)
    assert snapshot["checkins"] == []

    await write_checkin(cohort, participant, win="For Robin, edited")
    edited = (await frames_until(robin, lambda f: f["type"] == "checkin.edited"))[-1]
    assert edited["checkin"]["win"] == "For Robin, edited"
    assert await new.receive_nothing(timeout=0.2)

    client_id = await send(new, "reply.post", checkin=entry.pk, text="Hello new partner")
    assert (await reply_to(new, client_id))["code"] == "not_found"
    client_id = await send(robin, "reply.post", checkin=entry.pk, text="Well done")
    assert (await reply_to(robin, client_id))["type"] == "ack"
    assert await new.receive_nothing(timeout=0.2)
    for communicator in (robin, new):
        await communicator.disconnect()

    for user, expected in (
        (other_participant, ["checkin.posted", "checkin.edited", "reply.posted"]),
        (newcomer, []),
    ):
        resumed, first = await join_cohort(user, cohort, query=f"last_seq={start}")
        frames = [first]
        if first["type"] != "cohort.resumed":
            frames += await frames_until(resumed, lambda f: f["type"] == "cohort.resumed")
        assert [f["type"] for f in frames] == [*expected, "cohort.resumed"], user
        await resumed.disconnect()
