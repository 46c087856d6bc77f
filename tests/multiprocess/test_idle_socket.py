"""A board socket left idle past the Redis layer's blocking pop (5 s) is
still open and answers (Daphne, Redis)."""

import asyncio
import json

import pytest
from channels_redis.core import RedisChannelLayer

from tests.multiprocess.test_sign_out_across_processes import board, session_cookie
from tests.realtime.conftest import schedule_session, start_live

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 15  # an upper bound for a frame to arrive, never a measured duration


@pytest.fixture
def live_session(cohort, facilitator, participant):
    return start_live(schedule_session(cohort, facilitator), facilitator)


@pytest.fixture
def cookie(participant):
    return session_cookie(participant)


async def test_an_idle_socket_outlives_the_layers_blocking_pop(two_daphnes, live_session, cookie):
    async with board(two_daphnes[0], live_session.pk, cookie) as pat:
        assert json.loads(await asyncio.wait_for(pat.recv(), WAIT))["type"] == "board.snapshot"
        # Idle on purpose: the time is what is tested, nothing is awaited.
        await asyncio.sleep(RedisChannelLayer.brpop_timeout + 2)
        await pat.send(json.dumps({"type": "ping", "client_id": "after-a-while"}))
        async with asyncio.timeout(WAIT):
            while json.loads(await pat.recv()).get("client_id") != "after-a-while":
                pass
