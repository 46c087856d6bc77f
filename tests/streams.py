"""Websocket clients for the tests of both streams, in this process.

Every socket goes through config.asgi.application, as a browser's would: with
an allowed origin and the real session cookie of a signed-in user. Frames are
read with a timeout that is an upper bound, never a measured duration.
"""

from __future__ import annotations

import json
import uuid

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from realtime import fanout
from tests.waiting import eventually

# The site's own origin in tests (tests/conftest.py sets SITE_URL to it).
SITE_ORIGIN = b"http://localhost"
ORIGIN = (b"origin", SITE_ORIGIN)
WAIT = 5  # an upper bound for a frame to arrive, never a measured duration


def board_path(session_id, query="") -> str:
    return f"/ws/sessions/{session_id}/" + (f"?{query}" if query else "")


def cohort_path(cohort_id, query="") -> str:
    return f"/ws/cohorts/{cohort_id}/" + (f"?{query}" if query else "")


async def signed_in(user) -> Client:
    """A browser of `user`'s, with a session of its own."""
    client = Client()
    await database_sync_to_async(client.force_login)(user)
    return client


def cookie_of(client: Client) -> bytes:
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def session_cookie(user) -> bytes:
    """The cookie of a new sign-in of `user`'s."""
    return cookie_of(await signed_in(user))


def communicator(path, *, cookie: bytes | None = None, origin=SITE_ORIGIN):
    """A socket on `path`, not yet connected (for the tests of the handshake)."""
    headers = []
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, path, headers=headers)


async def connect(path, *, cookie: bytes | None = None, origin=SITE_ORIGIN):
    """A socket on `path` whose handshake was accepted."""
    socket = communicator(path, cookie=cookie, origin=origin)
    connected, _ = await socket.connect(timeout=WAIT)
    assert connected
    return socket


async def open_stream(user, path, *, origin=SITE_ORIGIN):
    """A socket on `path` opened by `user` (None: a visitor not signed in)."""
    cookie = await session_cookie(user) if user is not None else None
    return await connect(path, cookie=cookie, origin=origin)


async def cohort_socket(user, cohort_id, *, query=""):
    """A socket on the cohort stream of `cohort_id`, opened by `user`."""
    return await open_stream(user, cohort_path(cohort_id, query))


async def join_cohort(user, cohort, *, query=""):
    """A socket on `cohort`'s stream, and its first frame."""
    socket = await cohort_socket(user, cohort.pk, query=query)
    return socket, await frame(socket)


async def frame(socket) -> dict:
    return json.loads(await socket.receive_from(timeout=WAIT))


async def frames_until(socket, predicate) -> list[dict]:
    """Every frame up to and including the first for which `predicate` holds."""
    frames = []
    while True:
        frames.append(await frame(socket))
        if predicate(frames[-1]):
            return frames


async def closed_with(socket) -> tuple[int, list[dict]]:
    """The close code, and the frames that came before it."""
    frames = []
    while True:
        output = await socket.receive_output(timeout=WAIT)
        if output["type"] == "websocket.close":
            return output["code"], frames
        frames.append(json.loads(output["text"]))


async def close_code(socket) -> int:
    """The code of the close that is the socket's next output."""
    output = await socket.receive_output(timeout=WAIT)
    assert output["type"] == "websocket.close", output
    return output["code"]


async def send(socket, type_, **fields) -> str:
    """Send a client frame of `type_`; its client_id (made up unless given)."""
    client_id = fields.pop("client_id", None) or str(uuid.uuid4())
    await socket.send_to(text_data=json.dumps({"type": type_, "client_id": client_id, **fields}))
    return client_id


def is_reply(frame: dict, client_id) -> bool:
    return frame.get("client_id") == client_id and frame["type"] in {"ack", "error", "pong"}


async def reply_to(socket, client_id) -> dict:
    """The ack, error or pong for `client_id` (frames before it are dropped)."""
    return (await frames_until(socket, lambda f: is_reply(f, client_id)))[-1]


class BoardClient:
    """One socket on a board, keeping every frame it received."""

    def __init__(self, communicator):
        self.communicator = communicator
        self.frames = []  # every frame received, in order
        self.taken = set()  # indexes of frames already returned by `until`

    @classmethod
    async def open(cls, user, session_id, *, query=""):
        return cls(await open_stream(user, board_path(session_id, query)))

    @classmethod
    async def join(cls, user, session_id, *, query=""):
        """Open and take the snapshot (or, on a resume, nothing yet)."""
        client = await cls.open(user, session_id, query=query)
        if not query:
            snapshot = await client.frame()
            assert snapshot["type"] == "board.snapshot", snapshot
            client.snapshot = snapshot
        return client

    async def close_code(self) -> int:
        return await close_code(self.communicator)

    async def frame(self) -> dict:
        received = await frame(self.communicator)
        self.frames.append(received)
        return received

    async def send(self, type_, *, client_id=None, **fields) -> str:
        return await send(self.communicator, type_, client_id=client_id, **fields)

    async def send_json(self, data):
        await self.communicator.send_to(text_data=json.dumps(data))

    async def send_text(self, text):
        await self.communicator.send_to(text_data=text)

    async def reply(self, client_id) -> dict:
        """The ack, error or pong for `client_id` (events before it are kept in frames)."""
        while True:
            received = await self.frame()
            if is_reply(received, client_id):
                return received

    async def request(self, type_, **fields) -> dict:
        return await self.reply(await self.send(type_, **fields))

    async def until(self, type_) -> dict:
        """The next frame of `type_`, looking first at frames already received."""
        for index, received in enumerate(self.frames):
            if received["type"] == type_ and index not in self.taken:
                self.taken.add(index)
                return received
        while True:
            received = await self.frame()
            if received["type"] == type_:
                self.taken.add(len(self.frames) - 1)
                return received

    async def drain(self):
        """Take every frame already on its way (kept in `frames` for `until`)."""
        while not await self.communicator.receive_nothing(timeout=0.2):
            await self.frame()

    async def silent(self):
        assert await self.communicator.receive_nothing(timeout=0.2), "expected no frame"

    async def close(self):
        await self.communicator.disconnect()


class HeartbeatRounds:
    """Counts the rounds of this process's heartbeat (realtime/heartbeat.py):
    each round rechecks every open socket, then renews the fan-out's groups."""

    def __init__(self, monkeypatch):
        self.count = 0
        renew = fanout.Fanout.renew

        async def counting(hub):
            await renew(hub)
            self.count += 1

        monkeypatch.setattr(fanout.Fanout, "renew", counting)

    async def wait(self, rounds: int = 2) -> None:
        """Until `rounds` more rounds have ended: with two, at least one whole
        round began after the call."""
        target = self.count + rounds
        await eventually(lambda: self.count >= target, what=f"{rounds} heartbeat rounds")
