"""Fixtures and a small client for the session board's websocket tests.

Every socket goes through config.asgi.application, with an allowed origin and
a real session cookie, as a browser's would.
"""

import datetime
import json
import os
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils import timezone

from board import services
from board.models import CohortSession
from cohorts.permissions import access_cohort, access_session
from config.asgi import application
from realtime.ratelimit import limiter

ORIGIN = (b"origin", b"http://localhost")
WAIT = 5  # an upper bound for a frame to arrive, never a measured duration


@pytest.fixture(autouse=True, scope="session")
def _own_channel_layer_prefix():
    """Concurrent test runs share one Redis, and their session ids (hence group
    names) overlap: this run's groups get a prefix of their own."""
    layer = settings.CHANNEL_LAYERS["default"]
    if layer["BACKEND"].startswith("channels_redis."):
        layer.setdefault("CONFIG", {})["prefix"] = f"cohorts-test-{os.getpid()}"
        channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A channel layer of its own for every test: each test runs in a new event
    loop, and a Redis layer's receive lock stays bound to the loop it was made
    in (a socket a failed test left open would break the next test)."""
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
    yield
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    limiter.reset()
    yield
    limiter.reset()


def schedule_session(cohort, facilitator, *, title="Session 3: Leading through ambiguity"):
    """A scheduled session with the default agenda, made as the facilitator would."""
    return services.create_session(
        access=access_cohort(facilitator, cohort.pk),
        title=title,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        duration_minutes=90,
    )


def start_live(session, facilitator, *, phase_position=2):
    """Start `session` and move it to the phase at `phase_position` (reflection)."""
    access = access_session(facilitator, session.pk)
    services.start_session(access=access)
    phase = session.phases.get(position=phase_position)
    services.goto_phase(access=access_session(facilitator, session.pk), phase_id=phase.pk)
    return CohortSession.objects.get(pk=session.pk)


@pytest.fixture
def scheduled_session(cohort, facilitator):
    """Tomorrow's session of the cohort, not started."""
    return schedule_session(cohort, facilitator)


@pytest.fixture
def live_session(cohort, facilitator, participant, other_participant):
    """A live session of the cohort, on its reflection phase (position 2)."""
    return start_live(schedule_session(cohort, facilitator), facilitator)


async def session_cookie(user) -> bytes:
    client = Client()
    await database_sync_to_async(client.force_login)(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


class BoardClient:
    """One socket on a board, speaking the protocol's JSON frames."""

    def __init__(self, communicator):
        self.communicator = communicator
        self.frames = []  # every frame received, in order
        self.taken = set()  # indexes of frames already returned by `until`

    @classmethod
    async def open(cls, user, session_id, *, query=""):
        headers = [ORIGIN]
        if user is not None:
            headers.append((b"cookie", await session_cookie(user)))
        path = f"/ws/sessions/{session_id}/" + (f"?{query}" if query else "")
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, _ = await communicator.connect(timeout=WAIT)
        assert connected
        return cls(communicator)

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
        output = await self.communicator.receive_output(timeout=WAIT)
        assert output["type"] == "websocket.close", output
        return output["code"]

    async def frame(self) -> dict:
        frame = json.loads(await self.communicator.receive_from(timeout=WAIT))
        self.frames.append(frame)
        return frame

    async def send(self, type_, *, client_id=None, **fields) -> str:
        client_id = client_id or str(uuid.uuid4())
        await self.send_json({"type": type_, "client_id": client_id, **fields})
        return client_id

    async def send_json(self, data):
        await self.communicator.send_to(text_data=json.dumps(data))

    async def send_text(self, text):
        await self.communicator.send_to(text_data=text)

    async def reply(self, client_id) -> dict:
        """The ack, error or pong for `client_id` (events before it are kept in frames)."""
        while True:
            frame = await self.frame()
            if frame.get("client_id") == client_id and frame["type"] in {"ack", "error", "pong"}:
                return frame

    async def request(self, type_, **fields) -> dict:
        return await self.reply(await self.send(type_, **fields))

    async def until(self, type_) -> dict:
        """The next frame of `type_`, looking first at frames already received."""
        for index, frame in enumerate(self.frames):
            if frame["type"] == type_ and index not in self.taken:
                self.taken.add(index)
                return frame
        while True:
            frame = await self.frame()
            if frame["type"] == type_:
                self.taken.add(len(self.frames) - 1)
                return frame

    async def drain(self):
        """Take every frame already on its way (kept in `frames` for `until`)."""
        while not await self.communicator.receive_nothing(timeout=0.2):
            await self.frame()

    async def silent(self):
        assert await self.communicator.receive_nothing(timeout=0.2), "expected no frame"

    async def close(self):
        await self.communicator.disconnect()


def board_state(session_id) -> dict:
    """Everything a refused message must leave as it was."""
    from board.models import BoardEvent, Commitment, Reaction, Reflection

    session = CohortSession.objects.get(pk=session_id)
    return {
        "reflections": list(
            Reflection.objects.filter(session_id=session_id).values_list(
                "pk", "text", "hidden", "deleted_at", "edited_at"
            )
        ),
        "reactions": Reaction.objects.filter(reflection__session_id=session_id).count(),
        "commitments": Commitment.objects.filter(session_id=session_id).count(),
        "events": BoardEvent.objects.filter(session_id=session_id).count(),
        "session": (
            session.status,
            session.last_seq,
            session.current_phase_id,
            session.posting_locked,
            session.spotlight_id,
            session.timer_state,
            session.timer_ends_at,
        ),
    }


async def state(session_id) -> dict:
    return await database_sync_to_async(board_state)(session_id)
