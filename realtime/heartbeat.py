"""One heartbeat per process for all its open stream sockets.

Each socket used to run its own heartbeat: with 5,000 sockets, a database
trip for every one of them every interval. Here each event loop keeps the
sockets open on it and, every interval, hands the sockets of one consumer
class, 100 at a time, to that class's `recheck_all`, run by the process's
writer (realtime/batching.py); a socket whose right is gone, or whose
sign-in has ended (realtime/logins.py), gets a "stream.revoked" message on
its own channel and closes itself with 4403.
The same per-process registry drives the process's garbage collector
(realtime/collector.py).
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from realtime import batching, collector, fanout, logins, tunables

logger = logging.getLogger(__name__)

SLICE = 100  # sockets per trip to the writer: a slice holds its batches back


class Heartbeat:
    def __init__(self):
        self.sockets: dict[type, set] = {}
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run())
        self.collector = collector.Collector() if tunables.freezes_objects() else None
        if self.collector is not None:
            self._collecting = loop.create_task(self.collector.run(self.open_sockets))

    def open_sockets(self) -> int:
        return sum(len(sockets) for sockets in self.sockets.values())

    async def _run(self):
        while True:
            # Every socket once per interval, in slices spread over it: the
            # writer runs them between batches of frames, and a process's
            # 5,000 sockets at once would hold those frames back for a second.
            slices = []
            for consumer_class, sockets in self.sockets.items():
                sockets = list(sockets)
                slices += [
                    (consumer_class, sockets[start : start + SLICE])
                    for start in range(0, len(sockets), SLICE)
                ]
            if not slices:
                await asyncio.sleep(tunables.presence_heartbeat())
            for consumer_class, part in slices:
                await asyncio.sleep(tunables.presence_heartbeat() / len(slices))
                await self.beat(consumer_class, part)
            # The process's group memberships, once a round (realtime/fanout.py).
            try:
                await fanout.current().renew()
            except Exception:
                logger.exception("could not renew group memberships")

    def still_open(self, consumer_class, sockets) -> list:
        return [socket for socket in sockets if socket in self.sockets.get(consumer_class, ())]

    async def beat(self, consumer_class, sockets) -> None:
        sockets = self.still_open(consumer_class, sockets)  # some closed since the round began
        if not sockets:
            return
        try:
            # Through the writer: it writes presence, and a second writing
            # connection would make the writer's batches wait on SQLite's lock.
            refused = await batching.batcher().run(
                partial(recheck, consumer_class, sockets), order=("heartbeat",)
            )
        except Exception:
            logger.exception("heartbeat failed")
            return
        for consumer in refused:
            await consumer.channel_layer.send(consumer.channel_name, {"type": "stream.revoked"})


def recheck(consumer_class, sockets) -> list:
    """In the writer: the sockets whose sign-in has ended (two queries for
    all of them), then those whose right is gone (`recheck_all`)."""
    gone = logins.ended(socket.login for socket in sockets if socket.login is not None)
    signed_out = [socket for socket in sockets if socket.login in gone]
    signed_in = [socket for socket in sockets if socket.login not in gone]
    return signed_out + (consumer_class.recheck_all(signed_in) if signed_in else [])


_heartbeats: dict[asyncio.AbstractEventLoop, Heartbeat] = {}


def _current() -> Heartbeat:
    loop = asyncio.get_running_loop()
    for old in [old for old in _heartbeats if old.is_closed()]:
        del _heartbeats[old]
    if loop not in _heartbeats:
        _heartbeats[loop] = Heartbeat()
    return _heartbeats[loop]


def register(consumer) -> None:
    _current().sockets.setdefault(type(consumer), set()).add(consumer)


def unregister(consumer) -> None:
    current = _current()
    sockets = current.sockets.get(type(consumer), set())
    if consumer in sockets:
        sockets.discard(consumer)
        if current.collector is not None:
            current.collector.socket_closed()
