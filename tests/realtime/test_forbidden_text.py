"""A frame whose sender lost the right gets "forbidden" in the words of its
own stream: the cohort stream does not speak of a board."""

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied

from board.consumers import BoardConsumer
from cohorts.models import Membership
from goals.consumers import CohortConsumer
from goals.models import CheckInReply
from realtime.consumers import StreamConsumer
from tests.streams import cohort_socket, frames_until, reply_to, send


def test_each_stream_names_its_own_kind_of_thing():
    def text(consumer_class):
        return consumer_class.refusal(PermissionDenied(), "c1")["message"]

    assert text(BoardConsumer) == "You no longer have access to this board."
    assert text(CohortConsumer) == "You no longer have access to this cohort."
    assert "board" not in text(StreamConsumer)


@pytest.mark.django_db(transaction=True)
async def test_a_reply_from_someone_removed_from_the_cohort_is_refused_as_the_cohorts(
    cohort, participant
):
    socket = await cohort_socket(participant, cohort.pk)
    await frames_until(socket, lambda frame: frame["type"] == "cohort.snapshot")
    await database_sync_to_async(
        Membership.objects.filter(cohort=cohort, user=participant).delete
    )()
    client_id = await send(socket, "reply.post", checkin=1, text="Still here?")
    error = await reply_to(socket, client_id)
    assert (error["type"], error["code"]) == ("error", "forbidden")
    assert error["message"] == "You no longer have access to this cohort."
    assert await database_sync_to_async(CheckInReply.objects.count)() == 0
    await socket.disconnect()
