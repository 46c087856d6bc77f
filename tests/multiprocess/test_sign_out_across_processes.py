"""A logout served by one Daphne process closes the sockets of that session
held by the other one, at once (the user's group on Redis)."""

import asyncio
import json
import re
import urllib.parse
import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed

from tests.multiprocess.support import WAIT, board

pytestmark = pytest.mark.django_db(transaction=True)


def log_out(server, cookie) -> int:
    """Press "Log out" on a page of `server`, as the browser would."""
    opener = urllib.request.build_opener(urllib.request.HTTPRedirectHandler())
    page = opener.open(
        urllib.request.Request(f"{server.url}/accounts/logout/", headers={"Cookie": cookie}),
        timeout=WAIT,
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())[1]
    csrf_cookie = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"])[1]
    done = opener.open(
        urllib.request.Request(
            f"{server.url}/accounts/logout/",
            data=urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode(),
            headers={"Cookie": f"{cookie}; csrftoken={csrf_cookie}"},
        ),
        timeout=WAIT,
    )
    return done.status


async def test_a_logout_through_one_process_closes_the_board_on_the_other(
    two_daphnes, live_session, cookies
):
    first, second = two_daphnes
    pat_cookie = cookies["pat"]
    async with (
        board(second, live_session.pk, pat_cookie) as pat,
        board(second, live_session.pk, cookies["robin"]) as robin,
    ):
        assert json.loads(await asyncio.wait_for(pat.recv(), WAIT))["type"] == "board.snapshot"
        assert json.loads(await asyncio.wait_for(robin.recv(), WAIT))["type"] == "board.snapshot"
        assert await asyncio.to_thread(log_out, first, pat_cookie) == 200
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(WAIT):
                while True:
                    await pat.recv()  # presence frames may come first
        assert closed.value.rcvd.code == 4403
        # Robin's sign-in holds: the board still answers.
        await robin.send(json.dumps({"type": "ping", "client_id": "still-here"}))
        async with asyncio.timeout(WAIT):
            while json.loads(await robin.recv()).get("client_id") != "still-here":
                pass
