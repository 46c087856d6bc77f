"""The serving process's garbage collector (realtime/collector.py)."""

import gc
import weakref

import pytest

from realtime import collector, heartbeat
from tests.streams import BoardClient


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Cycle:
    """Two objects that refer to each other: only a collection frees them."""

    def __init__(self):
        self.other = type(self).__new__(type(self))
        self.other.other = self


@pytest.fixture
def thawed():
    """Leave the test process's collector as it was found: nothing frozen."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_nothing_is_due_before_enough_sockets_closed_or_ten_minutes_passed():
    clock = Clock()
    found = collector.Collector(clock=clock)
    for _ in range(collector.THAW_CLOSED_AT_LEAST - 1):
        found.socket_closed()
    assert not found.due(open_sockets=10)
    clock.now += collector.THAW_SECONDS - 1
    assert not found.due(open_sockets=10)
    clock.now += 1
    assert found.due(open_sockets=10)


def test_a_quarter_of_the_open_sockets_closed_makes_a_collection_due():
    found = collector.Collector(clock=Clock())
    for _ in range(999):
        found.socket_closed()
    assert not found.due(open_sockets=4000)
    found.socket_closed()
    assert found.due(open_sockets=4000)


def test_a_tick_freezes_what_is_alive(thawed):
    found = collector.Collector(clock=Clock())
    assert gc.get_freeze_count() == 0
    found.tick(open_sockets=0)
    assert gc.get_freeze_count() > 0
    assert found.full_collections == 0


def test_a_cycle_frozen_and_dropped_is_freed_by_the_next_due_collection(thawed):
    clock = Clock()
    found = collector.Collector(clock=clock)
    cycle = Cycle()
    alive = weakref.ref(cycle)
    found.tick(open_sockets=0)  # frozen with everything else
    del cycle
    gc.collect()
    assert alive() is not None, "a frozen cycle is out of the collector's walks"
    for _ in range(collector.THAW_CLOSED_AT_LEAST):
        found.socket_closed()
    found.tick(open_sockets=0)
    assert alive() is None
    assert found.full_collections == 1
    assert found.closed_since_thaw == 0
    assert gc.get_freeze_count() > 0, "frozen again after the collection"
    clock.now += collector.THAW_SECONDS
    found.tick(open_sockets=0)
    assert found.full_collections == 2


@pytest.mark.django_db(transaction=True)
async def test_each_closed_socket_counts_once_towards_the_next_collection(
    settings, live_session, participant, thawed
):
    settings.REALTIME_FREEZE_OBJECTS = True
    pat = await BoardClient.join(participant, live_session.pk)
    process = heartbeat._current()
    assert process.collector is not None
    assert process.open_sockets() == 1
    await pat.close()
    assert process.open_sockets() == 0
    assert process.collector.closed_since_thaw == 1
    # A consumer lets go of its socket in `disconnect` and again when it ends.
    socket = object()
    heartbeat.register(socket)
    heartbeat.unregister(socket)
    heartbeat.unregister(socket)
    assert process.collector.closed_since_thaw == 2


@pytest.mark.django_db(transaction=True)
async def test_the_test_process_leaves_python_s_collector_alone(live_session, participant):
    pat = await BoardClient.join(participant, live_session.pk)
    assert heartbeat._current().collector is None
    await pat.close()
