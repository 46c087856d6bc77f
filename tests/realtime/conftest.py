"""Fixtures of the websocket tests (their clients are in tests/streams.py)."""

import pytest
from channels.db import database_sync_to_async
from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers

from board.models import CohortSession
from realtime.ratelimit import limiter
from tests.board_helpers import scheduled_session as schedule_session
from tests.board_helpers import start_live
from tests.streams import HeartbeatRounds


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A channel layer of its own for every test: each test runs in a new event
    loop, and a Redis layer's receive lock stays bound to the loop it was made
    in (a socket a failed test left open would break the next test)."""
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
    yield
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)


@pytest.fixture
def heartbeats(monkeypatch):
    """`await heartbeats.wait()` returns once every open socket was rechecked."""
    return HeartbeatRounds(monkeypatch)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def scheduled_session(cohort, facilitator):
    """Tomorrow's session of the cohort, not started."""
    return schedule_session(cohort, facilitator)


@pytest.fixture
def live_session(cohort, facilitator, participant, other_participant):
    """A live session of the cohort, on its reflection phase (position 2)."""
    return start_live(schedule_session(cohort, facilitator), facilitator)


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
