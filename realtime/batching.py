"""Client frames that write, run in batches: one thread, one transaction per batch.

Every socket's writes used to queue one by one on Django's single
thread-sensitive executor, each in its own transaction on a connection opened
and closed around it (docs/performance.md). Here each process has one writer
thread with one connection of its own. Frames that arrive while a batch runs
wait together and then run as the next batch: each frame in a savepoint of
its own (a refused frame rolls back alone), all of them committed at once.
Broadcasts made on commit are handed back to the event loop, which sends them
before the callers get their results.

Under light load a batch holds one frame and latency is one transaction; under
heavy load a batch holds many and the cost of BEGIN, COMMIT and the thread
hop is shared. So is the check that each frame's sender is still signed in
(realtime/logins.py): one check for the whole batch, before any frame runs.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from channels.layers import get_channel_layer
from django.db import DatabaseError, connection, transaction

from realtime import logins, streams, tunables

logger = logging.getLogger(__name__)

MAX_BATCH = 64
# WriteBatcher._gather: while frames come at GATHER_ABOVE a second or more,
# measured over the last second and, loosely, over the last RECENT frames
# (three within 30 ms), a batch of fewer than GATHER_UNTIL frames waits
# until its oldest is GATHER_SECONDS old.
GATHER_ABOVE = 100
RECENT = 3
GATHER_UNTIL = 8
GATHER_SECONDS = 0.025


class BatchFailed(Exception):
    """The batch's transaction did not commit: nothing of this frame was kept."""


@dataclass
class _Job:
    function: Any
    order: tuple
    context: contextvars.Context
    future: asyncio.Future
    arrived: float
    bulk: tuple | None = None  # (handler, item): see WriteBatcher.run
    login: logins.Login | None = None
    result: Any = None
    error: BaseException | None = None


@dataclass
class _Batch:
    jobs: list[_Job]
    broadcasts: list[tuple[str, dict]] = field(default_factory=list)


class WriteBatcher:
    """The writer of one event loop (one Daphne process)."""

    def __init__(self):
        self._queue: list[_Job] = []
        self._arrivals: collections.deque[float] = collections.deque(maxlen=GATHER_ABOVE)
        self._wakeup = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="realtime-writer")
        self._task = asyncio.get_running_loop().create_task(self._drain())

    async def run(self, function, *, order=(), bulk=None, login=None):
        """Run `function()` (synchronous, with database access) in the next
        batch and return its result. Jobs run in `order` within a batch, so
        that every process takes row locks in the same order.

        `bulk`, a (handler, item) pair, lets neighbouring jobs with the same
        handler run as one call, `handler(items)`, which returns their results
        in order; should it raise, they run one by one instead.

        With a `login`, the job runs only while that sign-in holds; otherwise
        it raises `logins.LoginEnded` and nothing of it runs.
        """
        job = _Job(
            function=function,
            order=tuple(order),
            context=contextvars.copy_context(),
            future=asyncio.get_running_loop().create_future(),
            arrived=time.monotonic(),
            bulk=bulk,
            login=login,
        )
        self._queue.append(job)
        self._arrivals.append(job.arrived)
        self._wakeup.set()
        return await job.future

    async def _gather(self) -> None:
        """Under heavy load, let a small batch wait a moment for company.

        A batch of one costs the writer as much as a batch of several (its
        queries and commit are the same), so when frames arrive faster than
        `GATHER_ABOVE` a second, a batch of fewer than `GATHER_UNTIL` waits
        until its oldest frame is `GATHER_SECONDS` old: like PostgreSQL's
        commit_delay, which also applies only when others are committing.
        Below that rate (a live session's usual pace) nothing waits.

        The rate must hold over the last second, which a usual pace's chance
        clusters never reach, and over the last `RECENT` frames too (loosely:
        three frames in 30 ms): over the second alone, a hundred phase changes
        at one moment made every post of the second after them wait while
        the writer sat idle (docs/performance.md).
        """
        now = time.monotonic()
        arrivals = self._arrivals
        busy = (
            len(arrivals) == GATHER_ABOVE
            and now - arrivals[0] < 1
            and now - arrivals[-RECENT] < RECENT / GATHER_ABOVE
        )
        if not busy or len(self._queue) >= GATHER_UNTIL:
            return
        delay = GATHER_SECONDS - (now - self._queue[0].arrived)
        if delay > 0:
            await asyncio.sleep(delay)

    def shutdown(self) -> None:
        """Close the thread's connection and let the thread end."""
        try:
            self._task.cancel()
        except RuntimeError:
            pass  # its loop is closed already, and the task with it
        self._executor.submit(close_connection).result()
        self._executor.shutdown(wait=True)

    async def _drain(self):
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue:
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(
                        self._wakeup.wait(), timeout=tunables.writer_idle_seconds()
                    )
                except TimeoutError:
                    # Idle: give the connection back rather than hold it.
                    await loop.run_in_executor(self._executor, close_connection)
                    await self._wakeup.wait()
                continue
            await self._gather()
            jobs, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            jobs.sort(key=lambda job: job.order)
            batch = _Batch(jobs)
            try:
                await loop.run_in_executor(self._executor, run_batch, batch)
                await broadcast(batch.broadcasts)
            except Exception as error:  # noqa: BLE001 (reported to every caller)
                logger.exception("write batch failed")
                for job in jobs:
                    job.error = job.error or BatchFailed(str(error))
            for job in jobs:
                if job.future.done():
                    continue  # the caller went away
                if job.error is not None:
                    job.future.set_exception(job.error)
                else:
                    job.future.set_result(job.result)


def run_batch(batch: _Batch) -> None:
    """In the writer thread: every job (or run of bulk jobs) in a savepoint,
    one commit for all."""
    if connection.errors_occurred and not connection.is_usable():
        connection.close()  # a broken connection is replaced, as per request
    with streams.deferred_broadcasts() as broadcasts:
        try:
            with transaction.atomic():
                runs = list(_runs(_signed_in(batch.jobs)))
                # A lone job needs no savepoint: the batch's own rollback is its.
                alone = len(runs) == 1 and len(runs[0]) == 1
                for run in runs:
                    if len(run) == 1 or not _run_in_bulk(run):
                        for job in run:
                            _run_one(job, savepoint=not alone)
        except DatabaseError as error:
            for job in batch.jobs:
                job.error = job.error or BatchFailed(str(error))
            broadcasts.clear()
            return
    batch.broadcasts = list(broadcasts)


def _signed_in(jobs: list[_Job]) -> list[_Job]:
    """The jobs whose sign-in still holds; the others fail with LoginEnded."""
    signed = [job.login for job in jobs if job.login is not None]
    gone = logins.ended(signed) if signed else set()
    if not gone:
        return jobs
    for job in jobs:
        if job.login in gone:
            job.error = logins.LoginEnded()
    return [job for job in jobs if job.login not in gone]


def _runs(jobs: list[_Job]):
    """Neighbouring jobs that share a bulk handler, and every other job alone."""
    run: list[_Job] = []
    for job in jobs:
        if run and (job.bulk is None or run[0].bulk is None or job.bulk[0] != run[0].bulk[0]):
            yield run
            run = []
        run.append(job)
    if run:
        yield run


def _run_one(job: _Job, *, savepoint: bool = True) -> None:
    try:
        with transaction.atomic(savepoint=savepoint):
            job.result = job.context.run(job.function)
    except Exception as error:  # noqa: BLE001 (the caller gets it)
        job.error = error


def _run_in_bulk(run: list[_Job]) -> bool:
    handler = run[0].bulk[0]
    try:
        with transaction.atomic():
            results = run[0].context.run(handler, [job.bulk[1] for job in run])
    except Exception:
        logger.exception("bulk %s failed; running its jobs one by one", handler.__qualname__)
        return False
    for job, result in zip(run, results, strict=True):
        job.result = result
    return True


async def broadcast(messages: list[tuple[str, dict]]) -> None:
    """Send a batch's group messages: in order within a group, groups at once."""
    if not messages:
        return
    layer = get_channel_layer()
    by_group: dict[str, list[dict]] = {}
    for group, message in messages:
        by_group.setdefault(group, []).append(message)

    async def send_all(group, group_messages):
        for message in group_messages:
            try:
                await layer.group_send(group, message)
            except Exception:
                # Stored already: clients read it from the log at the next gap.
                logger.exception("could not broadcast to %s", group)

    await asyncio.gather(*(send_all(g, m) for g, m in by_group.items()))


def close_connection() -> None:
    # Looked up here, in the writer thread: connections are per thread.
    connection.close()


# One writer per event loop: Daphne runs one loop; tests make one per test.
_batchers: dict[asyncio.AbstractEventLoop, WriteBatcher] = {}
_lock = threading.Lock()


def batcher() -> WriteBatcher:
    loop = asyncio.get_running_loop()
    with _lock:
        for old in [old for old in _batchers if old.is_closed()]:
            _batchers.pop(old).shutdown()
        found = _batchers.get(loop)
        if found is None:
            found = _batchers[loop] = WriteBatcher()
        return found


def close_all() -> None:
    """Close every writer's connection and thread (test teardown: a database
    with open connections cannot be flushed or dropped)."""
    with _lock:
        while _batchers:
            _batchers.popitem()[1].shutdown()
