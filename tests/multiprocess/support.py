"""Helpers of the tests against two Daphne processes: real session cookies,
and a board socket on one of the servers (their fixtures are in conftest.py)."""

from django.test import Client
from websockets.asyncio.client import connect

WAIT = 15  # an upper bound for a frame to arrive, never a measured duration


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def board(server, session_id, cookie, query=""):
    url = server.url.replace("http://", "ws://") + f"/ws/sessions/{session_id}/"
    return connect(
        url + (f"?{query}" if query else ""),
        origin=server.url,  # the origin of that server's own pages
        additional_headers={"Cookie": cookie},
    )
