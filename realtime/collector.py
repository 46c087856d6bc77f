"""The garbage collector of a process that holds thousands of open sockets.

Every open stream socket holds about a hundred Python objects that live as long
as it: the consumer and its scope, its tasks and queues, Daphne's,
autobahn's and Twisted's protocol objects. CPython's full collection walks
every tracked object, about a second for 5,000 sockets on the benchmark's
machine, and nothing is sent meanwhile. It runs each time the objects that
survived the young collections pass a quarter of the rest, which users
connecting made happen every 15 to 20 seconds at 5,000 sockets
(docs/performance.md measures it).

So every few seconds each process moves what is alive into the collector's
permanent generation (`gc.freeze()`); young and full collections then walk
only what is newer. A frozen object that is dropped later is still freed by
its reference count at once. Only reference cycles among frozen objects
wait (a closed socket leaves a few dozen objects in cycles), so once the
sockets closed since the last thaw reach a quarter of those open, or ten
minutes have passed, everything is thawed and collected once, and frozen
again.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

logger = logging.getLogger(__name__)

FREEZE_SECONDS = 5
THAW_SECONDS = 600
THAW_CLOSED_SHARE = 0.25  # of the sockets open
THAW_CLOSED_AT_LEAST = 100  # so that a small server is not collected at every close


class Collector:
    """Freezes one process's long-lived objects; thaws and collects them
    when enough may have become garbage. Driven by `tick()`."""

    def __init__(self, *, clock=time.monotonic):
        self._clock = clock
        self.closed_since_thaw = 0
        self.thawed_at = clock()
        self.full_collections = 0

    def socket_closed(self) -> None:
        self.closed_since_thaw += 1

    def due(self, open_sockets: int) -> bool:
        """Whether enough may be garbage among the frozen objects to collect them."""
        closed_enough = self.closed_since_thaw >= max(
            THAW_CLOSED_AT_LEAST, THAW_CLOSED_SHARE * open_sockets
        )
        return closed_enough or self._clock() - self.thawed_at >= THAW_SECONDS

    def tick(self, open_sockets: int) -> None:
        if self.due(open_sockets):
            started = time.perf_counter()
            gc.unfreeze()
            found = gc.collect()
            self.full_collections += 1
            logger.info(
                "full collection after %d closed sockets: %d objects freed in %.0f ms",
                self.closed_since_thaw,
                found,
                (time.perf_counter() - started) * 1000,
            )
            self.closed_since_thaw = 0
            self.thawed_at = self._clock()
        gc.freeze()

    async def run(self, open_sockets) -> None:
        """Tick every FREEZE_SECONDS; `open_sockets()` counts the process's sockets."""
        while True:
            await asyncio.sleep(FREEZE_SECONDS)
            try:
                self.tick(open_sockets())
            except Exception:
                logger.exception("collector tick failed")
