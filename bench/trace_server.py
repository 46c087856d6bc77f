"""The board's ASGI application with a clock at each stage of a post (bench.trace).

    daphne bench.trace_server:application     (BENCH_TRACE_OUT=<file> in its environment)

A post is followed by its client_id from the consumer's `receive` through the
writer's batch, the broadcast and the fan-out; the times (`time.perf_counter()`,
the load generator's clock on the same machine) are written to
BENCH_TRACE_OUT as JSON when the server exits. The stages are wrapped from
outside, so the product's code carries no instrumentation; if one of the
wrapped names moves, the import below fails and the smoke test says so.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import time

from config.asgi import application  # noqa: F401 (served; sets Django up first)
from realtime import batching, consumers, fanout

clock = time.perf_counter
FRAME_CLIENT_ID = re.compile(r'"client_id"\s*:\s*"([0-9a-f-]{36})"')
TEXT_CLIENT_ID = re.compile(r"bench ([0-9a-f-]{36})")  # the load generator's text

times: dict[str, dict[str, float]] = {}
batches: list[tuple[float, float, int]] = []  # (start, end, jobs)
_last_batch: list[str] = []  # the client ids of the batch being broadcast


def mark(client_id: str, stage: str, at: float | None = None) -> None:
    times.setdefault(client_id, {}).setdefault(stage, clock() if at is None else at)


def _wrap_receive(receive):
    async def traced(self, text_data=None, bytes_data=None):
        arrived = clock()
        found = FRAME_CLIENT_ID.search(text_data or "")
        if found:
            mark(found[1], "received", arrived)
        await receive(self, text_data, bytes_data)
        if found:
            mark(found[1], "replied")

    return traced


def _wrap_run_batch(run_batch):
    def traced(batch):
        started = clock()
        posts = [job.bulk[1][1].client_id for job in batch.jobs if job.bulk]
        run_batch(batch)
        ended = clock()
        for client_id in posts:
            mark(client_id, "batch_start", started)
            mark(client_id, "batch_end", ended)
        batches.append((started, ended, len(batch.jobs)))
        _last_batch[:] = posts

    return traced


def _wrap_broadcast(broadcast):
    async def traced(messages):
        posts = list(_last_batch)
        for client_id in posts:
            mark(client_id, "broadcast")
        await broadcast(messages)

    return traced


def _wrap_deliver(deliver):
    async def traced(self, message):
        started = clock()
        found = TEXT_CLIENT_ID.search(message.get("payload") or "")
        await deliver(self, message)
        if found:
            mark(found[1], "fanout_start", started)
            mark(found[1], "fanout_end")

    return traced


consumers.StreamConsumer.receive = _wrap_receive(consumers.StreamConsumer.receive)
batching.run_batch = _wrap_run_batch(batching.run_batch)
batching.broadcast = _wrap_broadcast(batching.broadcast)
fanout.Fanout.deliver = _wrap_deliver(fanout.Fanout.deliver)


def write(path: str) -> None:
    with open(path, "w") as out:
        json.dump({"times": times, "batches": batches}, out)


# Written once, at exit (Daphne stops on SIGTERM and runs its atexit
# handlers): a dump while serving would hold the GIL and stall what it times.
if out := os.environ.get("BENCH_TRACE_OUT"):
    atexit.register(write, out)
