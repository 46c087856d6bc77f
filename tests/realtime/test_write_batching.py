"""The writer of client frames (realtime.batching): many frames, one transaction."""

import asyncio
import threading
import time
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import DatabaseError, connection, connections

from board.models import Reflection
from lib.errors import DomainError
from realtime import batching, streams
from tests.streams import WAIT, BoardClient
from tests.waiting import eventually

pytestmark = pytest.mark.django_db(transaction=True)


def store(session, author, text):
    """A job: one reflection row, written in the writer thread."""

    def job():
        Reflection.objects.create(
            session=session,
            phase=session.current_phase,
            author=author,
            text=text,
            client_id=uuid.uuid4(),
        )
        return text

    return job


def refuse_after_storing(session, author):
    def job():
        store(session, author, "rolled back")()
        raise DomainError("no", code="invalid")

    return job


@pytest.fixture
def author(live_session, participant):
    return live_session.cohort.memberships.get(user=participant)


async def test_frames_that_arrive_together_share_one_batch(live_session, author):
    writer = batching.batcher()
    batches = []
    original = batching.run_batch
    batching.run_batch = lambda batch: (batches.append(len(batch.jobs)), original(batch))[1]
    try:
        results = await asyncio.gather(
            *(writer.run(store(live_session, author, f"post {n}")) for n in range(5))
        )
    finally:
        batching.run_batch = original
    assert results == [f"post {n}" for n in range(5)]
    assert batches == [5]
    assert await database_sync_to_async(Reflection.objects.count)() == 5


async def test_a_refused_frame_rolls_back_alone(live_session, author):
    writer = batching.batcher()
    results = await asyncio.gather(
        writer.run(store(live_session, author, "kept 1")),
        writer.run(refuse_after_storing(live_session, author)),
        writer.run(store(live_session, author, "kept 2")),
        return_exceptions=True,
    )
    assert results[0] == "kept 1" and results[2] == "kept 2"
    assert isinstance(results[1], DomainError)
    texts = await database_sync_to_async(
        lambda: sorted(Reflection.objects.values_list("text", flat=True))
    )()
    assert texts == ["kept 1", "kept 2"]


async def test_a_failed_commit_fails_every_frame_and_keeps_nothing(
    live_session, author, monkeypatch
):
    def fail(self):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(type(connections["default"]), "commit", fail)
    writer = batching.batcher()
    results = await asyncio.gather(
        writer.run(store(live_session, author, "a")),
        writer.run(store(live_session, author, "b")),
        return_exceptions=True,
    )
    monkeypatch.undo()
    assert all(isinstance(result, batching.BatchFailed) for result in results)
    assert await database_sync_to_async(Reflection.objects.count)() == 0


async def test_broadcasts_leave_after_commit_from_the_event_loop(live_session):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("probe", channel)

    def job():
        streams.send_on_commit("probe", {"type": "probe.sent", "committed": True})
        return "done"

    assert await batching.batcher().run(job) == "done"
    message = await asyncio.wait_for(layer.receive(channel), WAIT)
    assert message == {"type": "probe.sent", "committed": True, "group": "probe"}


async def test_a_refused_frame_broadcasts_nothing(live_session):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("probe", channel)

    def job():
        streams.send_on_commit("probe", {"type": "probe.sent"})
        raise DomainError("no", code="invalid")

    with pytest.raises(DomainError):
        await batching.batcher().run(job)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 0.2)


async def test_jobs_run_in_their_lock_order_then_in_arrival_order():
    ran = []
    writer = batching.batcher()
    await asyncio.gather(
        writer.run(lambda: ran.append("b1"), order=("board", 2)),
        writer.run(lambda: ran.append("a1"), order=("board", 1)),
        writer.run(lambda: ran.append("b2"), order=("board", 2)),
        writer.run(lambda: ran.append("a2"), order=("board", 1)),
    )
    assert ran == ["a1", "a2", "b1", "b2"]


def raw_connection():
    connection.ensure_connection()
    return connection.connection


async def test_the_writer_keeps_its_connection_and_lets_it_go_when_idle(settings, monkeypatch):
    settings.REALTIME_WRITER_IDLE_SECONDS = 0.2
    closed = threading.Event()
    close_connection = batching.close_connection

    def closing():
        close_connection()
        closed.set()

    monkeypatch.setattr(batching, "close_connection", closing)
    writer = batching.batcher()
    first = await writer.run(raw_connection)
    assert await writer.run(raw_connection) is first  # no reconnect between batches
    await eventually(closed.is_set, what="the idle writer closing its connection")
    assert await writer.run(raw_connection) is not first  # closed while idle


async def test_posts_sent_at_once_are_all_stored_acked_and_delivered_in_order(
    live_session, participant, other_participant
):
    pat = await BoardClient.join(participant, live_session.pk)
    robin = await BoardClient.join(other_participant, live_session.pk)
    phase = pat.snapshot["session"]["current_phase"]
    sent = [
        (pat, await pat.send("reflection.post", phase=phase, text=f"pat {n}")) for n in range(4)
    ]
    sent += [
        (robin, await robin.send("reflection.post", phase=phase, text=f"robin {n}"))
        for n in range(4)
    ]
    for client, client_id in sent:
        assert (await client.reply(client_id))["type"] == "ack"
    seen = [await robin.until("reflection.posted") for _ in range(8)]
    assert [frame["seq"] for frame in seen] == sorted(frame["seq"] for frame in seen)
    assert {frame["reflection"]["text"] for frame in seen} == {
        f"{who} {n}" for who in ("pat", "robin") for n in range(4)
    }
    assert await database_sync_to_async(Reflection.objects.count)() == 8
    await pat.close()
    await robin.close()


def bulk_handler(items):
    return [f"bulk {item}" for item in items]


def failing_bulk_handler(items):
    raise RuntimeError("bulk broke")


async def test_neighbouring_bulk_jobs_run_in_one_call():
    writer = batching.batcher()
    results = await asyncio.gather(
        writer.run(lambda: "single a", bulk=(bulk_handler, "a")),
        writer.run(lambda: "single b", bulk=(bulk_handler, "b")),
        writer.run(lambda: "alone"),
    )
    assert results == ["bulk a", "bulk b", "alone"]


async def test_a_failing_bulk_call_falls_back_to_one_job_at_a_time():
    writer = batching.batcher()
    results = await asyncio.gather(
        writer.run(lambda: "single a", bulk=(failing_bulk_handler, "a")),
        writer.run(lambda: "single b", bulk=(failing_bulk_handler, "b")),
    )
    assert results == ["single a", "single b"]


def counting_batches(monkeypatch):
    sizes = []
    original = batching.run_batch

    def run_batch(batch):
        sizes.append(len(batch.jobs))
        original(batch)

    monkeypatch.setattr(batching, "run_batch", run_batch)
    return sizes


async def batches_of_two_frames_a_moment_apart(writer, monkeypatch) -> list[int]:
    """The sizes of the batches that two frames, the second a moment after
    the first, ran in."""
    sizes = counting_batches(monkeypatch)
    # The second frame comes once the writer has taken up the first: while
    # that one waits for company, or after it has gone alone.
    taken_up = asyncio.Event()
    gather = writer._gather

    async def gathering():
        taken_up.set()
        await gather()

    monkeypatch.setattr(writer, "_gather", gathering)
    first = asyncio.ensure_future(writer.run(lambda: "first"))
    await taken_up.wait()
    assert await writer.run(lambda: "second") == "second"
    assert await first == "first"
    return sizes


async def test_under_heavy_load_a_lone_frame_waits_briefly_for_company(monkeypatch):
    writer = batching.batcher()
    await asyncio.gather(*(writer.run(lambda: None) for _ in range(batching.GATHER_ABOVE)))
    # As if those hundred had come over the last moment, however long the
    # test machine took to run them.
    writer._arrivals.extend([time.monotonic()] * batching.GATHER_ABOVE)
    assert await batches_of_two_frames_a_moment_apart(writer, monkeypatch) == [2]


async def test_once_a_burst_is_over_a_lone_frame_runs_at_once(monkeypatch):
    writer = batching.batcher()
    await asyncio.gather(*(writer.run(lambda: None) for _ in range(batching.GATHER_ABOVE)))
    # The last second still holds a hundred frames, the last moment none.
    writer._arrivals.extend(
        [time.monotonic() - 2 * batching.RECENT / batching.GATHER_ABOVE] * batching.GATHER_ABOVE
    )
    assert await batches_of_two_frames_a_moment_apart(writer, monkeypatch) == [1, 1]


async def test_at_a_usual_pace_a_lone_frame_runs_at_once(monkeypatch):
    writer = batching.batcher()
    assert await batches_of_two_frames_a_moment_apart(writer, monkeypatch) == [1, 1]


async def test_a_lone_refused_job_rolls_back_its_writes(live_session, author):
    with pytest.raises(DomainError):
        await batching.batcher().run(refuse_after_storing(live_session, author))
    assert await database_sync_to_async(Reflection.objects.count)() == 0
