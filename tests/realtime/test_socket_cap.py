"""One user may hold at most REALTIME_MAX_SOCKETS_PER_USER sockets in one
server process (20 by default), over both streams; one more is closed with
4429 and holds nothing."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from board.models import Presence
from realtime import fanout, logins
from realtime.tunables import max_sockets_per_user
from tests import streams
from tests.streams import WAIT, BoardClient, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cap_of_three(settings):
    settings.REALTIME_MAX_SOCKETS_PER_USER = 3


async def opened(cookie, path):
    """A socket and its first output (a frame, or the close)."""
    communicator = await streams.connect(path, cookie=cookie)
    return communicator, await communicator.receive_output(timeout=WAIT)


def is_refused(output) -> bool:
    return output["type"] == "websocket.close" and output["code"] == 4429


def test_the_default_cap_is_twenty():
    assert max_sockets_per_user() == 20


async def test_one_socket_over_the_cap_is_closed_with_4429(
    live_session, cohort, participant, other_participant, cap_of_three
):
    """Board and cohort sockets count together, whichever browser opened them;
    another user is not affected."""
    board, stream = f"/ws/sessions/{live_session.pk}/", f"/ws/cohorts/{cohort.pk}/"
    sockets = [
        await opened(await session_cookie(participant), path) for path in (board, board, stream)
    ]
    assert not any(is_refused(output) for _socket, output in sockets)
    over, output = await opened(await session_cookie(participant), board)
    assert is_refused(output)
    over_cohort, output = await opened(await session_cookie(participant), stream)
    assert is_refused(output)
    robin = await BoardClient.join(other_participant, live_session.pk)
    # The refused sockets joined nothing and left no presence.
    assert len(fanout.current().members[logins.user_group(participant.pk)]) == 3
    assert (
        await database_sync_to_async(Presence.objects.filter(membership__user=participant).count)()
        == 2
    )
    for socket, _output in sockets:
        await socket.disconnect()
    await robin.close()


async def test_a_closed_socket_frees_its_place(live_session, participant, cap_of_three):
    cookie = await session_cookie(participant)
    path = f"/ws/sessions/{live_session.pk}/"
    sockets = [await opened(cookie, path) for _ in range(3)]
    await sockets[0][0].disconnect()
    again, output = await opened(cookie, path)
    assert output["type"] == "websocket.send"  # the snapshot
    for socket, _output in [*sockets[1:], (again, output)]:
        await socket.disconnect()


async def test_sockets_opened_at_once_do_not_overshoot_the_cap(
    live_session, participant, cap_of_three
):
    cookie = await session_cookie(participant)
    path = f"/ws/sessions/{live_session.pk}/"
    sockets = await asyncio.gather(*(opened(cookie, path) for _ in range(8)))
    assert sum(not is_refused(output) for _socket, output in sockets) == 3
    for socket, output in sockets:
        if not is_refused(output):
            await socket.disconnect()


async def test_a_refused_handshake_takes_no_place(live_session, participant, cap_of_three):
    """Sockets refused for want of a right (4404) do not count."""
    cookie = await session_cookie(participant)
    for _ in range(5):
        _socket, output = await opened(cookie, f"/ws/sessions/{live_session.pk + 1000}/")
        assert output["type"] == "websocket.close" and output["code"] == 4404
    socket, output = await opened(cookie, f"/ws/sessions/{live_session.pk}/")
    assert output["type"] == "websocket.send"
    await socket.disconnect()
