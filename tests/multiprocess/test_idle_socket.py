"""A board socket left idle past the Redis layer's blocking pop (5 s) is
still open and answers (Daphne, Redis)."""

import asyncio
import json

import pytest
from channels_redis.core import RedisChannelLayer

from tests.multiprocess.support import WAIT, board

pytestmark = pytest.mark.django_db(transaction=True)


async def test_an_idle_socket_outlives_the_layers_blocking_pop(two_daphnes, live_session, cookies):
    async with board(two_daphnes[0], live_session.pk, cookies["pat"]) as pat:
        assert json.loads(await asyncio.wait_for(pat.recv(), WAIT))["type"] == "board.snapshot"
        # Idle on purpose: the time is what is tested, nothing is awaited.
        await asyncio.sleep(RedisChannelLayer.brpop_timeout + 2)
        await pat.send(json.dumps({"type": "ping", "client_id": "after-a-while"}))
        async with asyncio.timeout(WAIT):
            while json.loads(await pat.recv()).get("client_id") != "after-a-while":
                pass
