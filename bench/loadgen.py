"""The load generator: one websocket per user, the real protocol, timings per delivery.

    python -m bench.loadgen PLAN.json RESULT.json

bench.run writes the plan (systems, users with their session cookies, steps)
and runs this in a process of its own, pinned to the core the servers do not
use. A "delivery" is one post received by one member of its cohort, the poster
included; its fan-out latency runs from the moment the poster's frame was sent
to the moment that member's socket received the event, on one clock.

The board gets the real protocol (reflection.post with client_id, reaction.add,
the facilitator's phase.goto). The peer and the floor get the same frames in
the same cohort shape and simply relay them; for them the poster's own copy is
its acknowledgement. Every post's text carries its client_id, which is how a
delivery is matched to its post on every system.
"""

from __future__ import annotations

import asyncio
import collections
import json
import math
import random
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from bench import procstat

EMOJIS = ["plus_one", "heart", "clap", "bulb", "smile"]


def percentiles(values: list[float]) -> dict[str, float | None]:
    """p50/p95/p99/max in milliseconds, nearest rank."""
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None, "n": 0}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000, 2)

    return {
        "p50": rank(0.50),
        "p95": rank(0.95),
        "p99": rank(0.99),
        "max": round(ordered[-1] * 1000, 2),
        "n": len(ordered),
    }


@dataclass
class Member:
    index: int  # position in its cohort: the bit in a post's delivery mask
    cohort: Cohort
    user: int
    role: str
    cookie: str
    url: str
    ws: object = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    last_seq: int = 0
    replaying: bool = False
    reader: asyncio.Task | None = None


@dataclass
class Cohort:
    index: int
    session: int
    phase: int
    members: list[Member] = field(default_factory=list)
    connected_mask: int = 0
    recent: collections.deque = field(default_factory=lambda: collections.deque(maxlen=20))
    phase_sent_at: float = 0.0


@dataclass
class Post:
    client_id: str
    cohort: Cohort
    sender: Member
    step: Step
    sent_at: float = 0.0
    expected: int = 0  # the delivery mask: members connected when it was sent
    seen: int = 0
    acked: bool = False
    acked_at: float = 0.0
    received: list[float] = field(default_factory=list)  # live deliveries, for a trace
    failed: str = ""
    frame: dict = field(default_factory=dict)


@dataclass
class Step:
    name: str
    kind: str
    rate: float = 0.0
    posts: list[Post] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    ack_latencies: list[float] = field(default_factory=list)
    reaction_ack_latencies: list[float] = field(default_factory=list)
    outstanding: int = 0
    unacked: int = 0
    duplicated: int = 0
    replayed: int = 0
    reconnects: int = 0
    resent: int = 0
    reactions_sent: int = 0
    reactions_acked: int = 0
    reaction_deliveries: int = 0
    phase_deliveries: int = 0
    phase_latencies: list[float] = field(default_factory=list)
    errors: collections.Counter = field(default_factory=collections.Counter)
    lag_max: float = 0.0
    last_delivery_at: float = 0.0


class LoadGenerator:
    def __init__(self, plan: dict):
        self.plan = plan
        self.system = plan["system"]
        self.board = self.system == "board"
        self.text_size = plan.get("text_size", 200)
        self.reaction_every = plan.get("reaction_every", 10)
        self.posts: dict[str, Post] = {}
        self.reactions: dict[str, tuple[float, Step]] = {}
        self.step: Step | None = None
        self.stray = 0
        self.tasks: set[asyncio.Task] = set()
        self.random = random.Random(plan.get("seed", 5))
        self.cohorts: list[Cohort] = []
        urls = plan["urls"]
        position = 0
        for index, spec in enumerate(plan["cohorts"]):
            cohort = Cohort(index=index, session=spec["session"], phase=spec.get("phase", 0))
            for m_index, m in enumerate(spec["members"]):
                url = urls[position % len(urls)]
                position += 1
                cohort.members.append(
                    Member(m_index, cohort, m["user"], m["role"], m.get("cookie", ""), url)
                )
            self.cohorts.append(cohort)
        self.members = [m for c in self.cohorts for m in c.members]
        self.connect_times: list[float] = []
        self.connect_failures: collections.Counter = collections.Counter()
        self.steps: list[Step] = []

    # Connections -------------------------------------------------------------

    def path(self, member: Member, last_seq: int | None = None) -> str:
        if self.system == "board":
            query = f"?last_seq={last_seq}" if last_seq is not None else ""
            return f"{member.url}/ws/sessions/{member.cohort.session}/{query}"
        if self.system == "peer":
            return f"{member.url}/ws/peer/c{member.cohort.index}/"
        return f"{member.url}/c{member.cohort.index}"

    async def open(self, member: Member, last_seq: int | None = None) -> float:
        """Connect one member; returns seconds until it is ready (board: snapshot received)."""
        headers = [("Cookie", member.cookie)] if member.cookie else []
        member.ready = asyncio.Event()
        started = time.perf_counter()
        member.ws = await connect(
            self.path(member, last_seq),
            # The origin of that server's own pages, as a browser on them sends.
            origin=self.plan.get("origin") or member.url.replace("ws://", "http://", 1),
            additional_headers=headers,
            compression=None,
            ping_interval=None,
            max_size=2**24,
            open_timeout=60,
            close_timeout=2,
        )
        member.reader = asyncio.create_task(self.read(member))
        if self.board:
            await asyncio.wait_for(member.ready.wait(), 60)
        member.cohort.connected_mask |= 1 << member.index
        return time.perf_counter() - started

    async def connect_all(self) -> None:
        gate = asyncio.Semaphore(self.plan.get("connect_concurrency", 20))

        async def one(member: Member) -> None:
            # A refused or timed-out handshake is counted, then tried again
            # (three tries): the run goes on only with everyone connected.
            for _ in range(3):
                async with gate:
                    try:
                        self.connect_times.append(await self.open(member))
                        return
                    except InvalidStatus as exc:
                        self.connect_failures[f"http_{exc.response.status_code}"] += 1
                    except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake) as exc:
                        # Daphne drops a handshake not accepted within 5 s
                        # (--websocket_connect_timeout): InvalidMessage here.
                        self.connect_failures[type(exc).__name__] += 1
                await asyncio.sleep(1)

        await asyncio.gather(*(one(m) for m in self.members))

    async def read(self, member: Member) -> None:
        try:
            async for frame in member.ws:
                self.on_frame(member, frame, time.perf_counter())
        except ConnectionClosed:
            pass
        finally:
            member.cohort.connected_mask &= ~(1 << member.index)

    def send(self, member: Member, frame: dict) -> None:
        task = asyncio.create_task(self._send(member, json.dumps(frame)))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _send(self, member: Member, text: str) -> None:
        try:
            await member.ws.send(text)
        except ConnectionClosed:
            self.step.errors["send_on_closed"] += 1

    # Frames ------------------------------------------------------------------

    def on_frame(self, member: Member, frame: str, now: float) -> None:
        data = json.loads(frame)
        kind = data.get("type")
        if "seq" in data and kind != "board.snapshot":
            member.last_seq = max(member.last_seq, data["seq"])
        if not self.board:
            self.on_relayed(member, kind, data, now)
        elif kind == "reflection.posted":
            reflection = data["reflection"]
            self.deliver(member, self.marker(reflection["text"]), now, reflection["id"])
        elif kind == "ack":
            self.on_ack(data.get("client_id"), now)
        elif kind == "error":
            self.on_error(data)
        elif kind == "reaction.changed":
            self.step.reaction_deliveries += 1
        elif kind == "phase.changed":
            self.step.phase_deliveries += 1
            self.step.phase_latencies.append(now - member.cohort.phase_sent_at)
        elif kind == "board.snapshot":
            member.last_seq = data.get("seq", 0)
            for reflection in data.get("reflections", []):
                post = self.posts.get(self.marker(reflection["text"]))
                if post:
                    self.mark_seen(post, member)
            member.ready.set()
        elif kind == "presence.changed":
            # Ends a resume (events, then presence) and, on a first connection,
            # follows the snapshot.
            member.replaying = False
            member.ready.set()

    def on_relayed(self, member: Member, kind: str, data: dict, now: float) -> None:
        if kind == "reflection.post":
            post = self.posts.get(data["client_id"])
            if post and post.sender is member:
                self.on_ack(post.client_id, now)
            self.deliver(member, data["client_id"], now, data["client_id"])
        elif kind == "reaction.add":
            if data.get("user") == member.user:
                self.on_ack(data["client_id"], now)
            self.step.reaction_deliveries += 1
        elif kind == "phase.goto":
            self.step.phase_deliveries += 1
            self.step.phase_latencies.append(now - member.cohort.phase_sent_at)

    @staticmethod
    def marker(text: str) -> str:
        parts = text.split(" ", 2)
        return parts[1] if len(parts) > 1 and parts[0] == "bench" else ""

    def mark_seen(self, post: Post, member: Member) -> bool:
        bit = 1 << member.index
        if post.seen & bit:
            return False
        post.seen |= bit
        if post.expected & bit:
            post.step.outstanding -= 1
        return True

    def deliver(self, member: Member, marker: str, now: float, reflection_id) -> None:
        post = self.posts.get(marker)
        if post is None:
            self.stray += 1
            return
        if not self.mark_seen(post, member):
            post.step.duplicated += 1
            return
        if post.seen == 1 << member.index:
            post.cohort.recent.append(reflection_id)
        post.step.last_delivery_at = now
        if member.replaying:
            post.step.replayed += 1
        else:
            post.step.latencies.append(now - post.sent_at)
            post.received.append(now)

    def on_ack(self, client_id: str | None, now: float) -> None:
        if post := self.posts.get(client_id):
            if not post.acked and not post.failed:
                post.acked = True
                post.acked_at = now
                post.step.unacked -= 1
                post.step.ack_latencies.append(now - post.sent_at)
        elif client_id in self.reactions:
            sent_at, step = self.reactions.pop(client_id)
            step.reactions_acked += 1
            step.reaction_ack_latencies.append(now - sent_at)

    def on_error(self, data: dict) -> None:
        client_id = data.get("client_id")
        code = data.get("code", "?")
        if post := self.posts.get(client_id):
            if not post.acked and not post.failed:
                post.failed = code
                post.step.unacked -= 1
                post.step.outstanding -= bin(post.expected & ~post.seen).count("1")
            post.step.errors[code] += 1
        elif client_id in self.reactions:
            _, step = self.reactions.pop(client_id)
            step.errors[f"reaction_{code}"] += 1
        else:
            self.step.errors[code] += 1

    # Actions -----------------------------------------------------------------

    def post(self, member: Member) -> None:
        client_id = str(uuid.uuid4())
        head = f"bench {client_id} "
        text = head + "x" * max(0, self.text_size - len(head))
        cohort = member.cohort
        post = Post(client_id, cohort, member, self.step, expected=cohort.connected_mask)
        self.posts[client_id] = post
        self.step.posts.append(post)
        self.step.unacked += 1
        self.step.outstanding += bin(post.expected).count("1")
        post.frame = {
            "type": "reflection.post",
            "client_id": client_id,
            "phase": cohort.phase,
            "text": text,
        }
        post.sent_at = time.perf_counter()
        self.send(member, post.frame)

    def react(self, cohort: Cohort) -> None:
        if not cohort.recent:
            return
        member = self.random.choice(cohort.members)
        if not cohort.connected_mask & (1 << member.index):
            return
        client_id = str(uuid.uuid4())
        self.reactions[client_id] = (time.perf_counter(), self.step)
        self.step.reactions_sent += 1
        # A random emoji on a recent reflection; a repeat is acknowledged unchanged.
        self.send(
            member,
            {
                "type": "reaction.add",
                "client_id": client_id,
                "reflection": self.random.choice(cohort.recent),
                "emoji": self.random.choice(EMOJIS),
                "user": member.user,
            }
            if not self.board
            else {
                "type": "reaction.add",
                "client_id": client_id,
                "reflection": self.random.choice(cohort.recent),
                "emoji": self.random.choice(EMOJIS),
            },
        )

    async def goto_phase(self) -> dict:
        """Every cohort's facilitator moves the board to the reflection phase."""
        self.step = Step("phase.goto", "phase")
        meter = procstat.CpuMeter(self.plan["server_pids"])
        for cohort in self.cohorts:
            facilitator = next(m for m in cohort.members if m.role == "facilitator")
            cohort.phase_sent_at = time.perf_counter()
            client_id = str(uuid.uuid4())
            self.reactions[client_id] = (cohort.phase_sent_at, self.step)
            self.send(
                facilitator,
                {"type": "phase.goto", "client_id": client_id, "phase": cohort.phase},
            )
        expected = sum(bin(c.connected_mask).count("1") for c in self.cohorts)
        deadline = time.monotonic() + self.plan.get("drain_timeout", 10)
        while self.step.phase_deliveries < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return {
            "name": "phase.goto",
            "deliveries": self.step.phase_deliveries,
            "expected": expected,
            "fanout_ms": percentiles(self.step.phase_latencies),
            "errors": dict(self.step.errors),
            "server_cpu_s": round(meter.elapsed(), 3),
        }

    def posters(self) -> list[Member]:
        """Who posts in a rate step, interleaved across cohorts so load spreads evenly."""
        by_cohort = [c.members for c in self.cohorts]
        width = max(len(ms) for ms in by_cohort)
        return [ms[i] for i in range(width) for ms in by_cohort if i < len(ms)]

    async def run_rate(self, step: Step, duration: float, reconnect_per_s: float = 0) -> float:
        """Open-loop posting at step.rate for `duration` seconds; returns the sending time."""
        posters = self.posters()
        count = int(step.rate * duration)
        interval = 1 / step.rate
        started = time.perf_counter()
        next_reconnect = started + 1
        for k in range(count):
            delay = started + k * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                step.lag_max = max(step.lag_max, -delay)
            member = posters[k % len(posters)]
            if member.cohort.connected_mask & (1 << member.index):
                self.post(member)
                if self.reaction_every and k % self.reaction_every == self.reaction_every - 1:
                    self.react(self.cohorts[(k // 3) % len(self.cohorts)])
            if reconnect_per_s and time.perf_counter() >= next_reconnect:
                next_reconnect += 1
                for member in self.random.sample(self.members, int(reconnect_per_s)):
                    self.spawn(self.reconnect(member))
        return time.perf_counter() - started

    async def run_burst(self, step: Step, cohorts: int, window: float) -> float:
        """Every member of `cohorts` cohorts posts, spread over `window` seconds."""
        members = [m for c in self.cohorts[:cohorts] for m in c.members]
        started = time.perf_counter()
        for k, member in enumerate(members):
            delay = started + k * window / len(members) - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if member.cohort.connected_mask & (1 << member.index):
                self.post(member)
        return time.perf_counter() - started

    def spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def reconnect(self, member: Member) -> None:
        """Drop the socket and come back with ?last_seq, as a client on a flaky network."""
        if member.ws is None or not member.cohort.connected_mask & (1 << member.index):
            return
        await member.ws.close()
        if member.reader:
            await member.reader
        member.replaying = True
        try:
            await self.open(member, member.last_seq if self.board else None)
            self.step.reconnects += 1
            # A reply lost with the old socket: send again with the same
            # client_id, as the board's outbox does; the server must not store twice.
            for post in self.step.posts:
                if post.sender is member and not post.acked and not post.failed:
                    self.step.resent += 1
                    self.send(member, post.frame)
        except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake) as exc:
            self.step.errors[f"reconnect_{type(exc).__name__}"] += 1

    async def drain(self, step: Step, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while (step.outstanding > 0 or step.unacked > 0) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        # Reactions are acknowledged too; give the last ones the same deadline.
        while any(s is step for _, s in self.reactions.values()) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    async def run_step(self, spec: dict) -> dict:
        step = Step(spec["name"], spec["kind"], rate=spec.get("rate", 0))
        self.step = step
        self.steps.append(step)
        meter = procstat.CpuMeter(self.plan["server_pids"])
        services = procstat.CpuMeter([], self.plan.get("service_names"))
        client_cpu = time.process_time()
        started = time.perf_counter()
        probes = []
        if every := spec.get("probe_every"):
            probes.append(self.probe(started))
            prober = asyncio.create_task(self.probe_loop(every, started, probes))
        if spec["kind"] == "burst":
            sending = await self.run_burst(step, spec["cohorts"], spec["window_ms"] / 1000)
        else:
            sending = await self.run_rate(step, spec["duration"], spec.get("reconnect_per_s", 0))
        if every:
            prober.cancel()
        client_cpu_sending = time.process_time() - client_cpu
        # Steady steps and bursts wait longer, so that a backlog never spills
        # into the next step; a ramp step past the knee ends the ramp anyway.
        await self.drain(step, spec.get("drain_timeout", self.plan.get("drain_timeout", 10)))
        wall = time.perf_counter() - started
        acked = sum(1 for p in step.posts if p.acked)
        undelivered = sum(bin(p.expected & ~p.seen).count("1") for p in step.posts if p.acked)
        deliveries = len(step.latencies) + step.replayed
        span = max(sending, step.last_delivery_at - started)
        all_deliveries = deliveries + step.reaction_deliveries + step.phase_deliveries
        server_cpu = meter.elapsed()
        return {
            "name": step.name,
            "kind": step.kind,
            "rate": step.rate,
            "sending_s": round(sending, 3),
            "wall_s": round(wall, 3),
            "posts_sent": len(step.posts),
            "posts_acked": acked,
            "posts_unacked": sum(1 for p in step.posts if not p.acked and not p.failed),
            "posts_failed": sum(1 for p in step.posts if p.failed),
            "expected_deliveries": sum(bin(p.expected).count("1") for p in step.posts),
            "deliveries": deliveries,
            "replayed": step.replayed,
            "reconnects": step.reconnects,
            "resent": step.resent,
            "undelivered": undelivered,
            "duplicated": step.duplicated,
            # Over the time the deliveries took, not the time the posts took to
            # send: a server that falls behind delivers fewer per second.
            "deliveries_per_s": round(deliveries / span, 1) if span else None,
            "reactions_sent": step.reactions_sent,
            "reactions_acked": step.reactions_acked,
            "reaction_deliveries": step.reaction_deliveries,
            "fanout_ms": percentiles(step.latencies),
            "ack_ms": percentiles(step.ack_latencies),
            "reaction_ack_ms": percentiles(step.reaction_ack_latencies),
            "errors": dict(step.errors),
            "lag_max_ms": round(step.lag_max * 1000, 2),
            "server_cpu_s": round(server_cpu, 3),
            "server_cpu_per_delivery_us": round(server_cpu / all_deliveries * 1e6, 1)
            if all_deliveries
            else None,
            "services_cpu_s": round(services.elapsed(), 3),
            "loadgen_cpu_s": round(time.process_time() - client_cpu, 3),
            "loadgen_cpu_share": round(client_cpu_sending / sending, 3) if sending else None,
            "server_memory": self.server_memory(),
            "probes": probes + [self.probe(started)] if probes else [],
        }

    async def probe_loop(self, every: float, started: float, probes: list) -> None:
        while True:
            await asyncio.sleep(every)
            probes.append(self.probe(started))

    def probe(self, started: float) -> dict:
        """Server memory, database connections and channel-layer group sizes, now."""
        spec = self.plan.get("probe", {})
        found = {
            "at_s": round(time.perf_counter() - started, 1),
            "connected": sum(bin(c.connected_mask).count("1") for c in self.cohorts),
            "server_memory": self.server_memory(),
        }
        url = spec.get("database_url", "")
        if url.startswith("postgres"):
            import psycopg

            server, name = url.rsplit("/", 1)
            with psycopg.connect(f"{server}/postgres") as conn:
                found["db_connections"] = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
                ).fetchone()[0]
        elif url.startswith("sqlite:///"):
            # Each SQLite connection holds the database file open (plus -wal, -shm).
            path = url.removeprefix("sqlite://")
            found["db_files_open"] = sum(
                procstat.open_files_under(pid, path) for pid in self.plan["server_pids"]
            )
        if redis_url := spec.get("redis_url"):
            import redis

            client = redis.Redis.from_url(redis_url)
            keys = list(client.scan_iter(match="*:group:*", count=1000))
            found["layer_groups"] = len(keys)
            found["layer_group_members"] = sum(client.zcard(key) for key in keys)
        return found

    async def settle(self, outcomes: list[dict]) -> None:
        """Tell late deliveries from lost ones: wait once more, then count again.

        A step's "undelivered" is what had not arrived when its drain ended;
        "undelivered_at_end" is what never arrived in the whole run.
        """
        deadline = time.monotonic() + self.plan.get("drain_timeout", 10)
        while any(s.outstanding > 0 for s in self.steps) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for step, outcome in zip(self.steps, outcomes, strict=True):
            outcome["undelivered_at_end"] = sum(
                bin(p.expected & ~p.seen).count("1") for p in step.posts if p.acked
            )
            outcome["acked_at_end"] = sum(1 for p in step.posts if p.acked)

    def server_memory(self) -> dict:
        readings = [procstat.memory_mb(pid) for pid in self.plan["server_pids"]]
        return {
            "rss_mb": round(sum(r["rss_mb"] for r in readings), 1),
            "peak_rss_mb": round(max((r["peak_rss_mb"] for r in readings), default=0), 1),
            "peak_rss_total_mb": round(sum(r["peak_rss_mb"] for r in readings), 1),
        }

    # The run -----------------------------------------------------------------

    def start_profiler(self) -> subprocess.Popen | None:
        """py-spy sampling the server without pausing it (--nonblocking)."""
        if not (spec := self.plan.get("profile")):
            return None
        py_spy = Path(sys.executable).parent / "py-spy"
        return subprocess.Popen(
            [
                str(py_spy),
                "record",
                "--pid",
                str(spec["pid"]),
                "--format",
                "raw",
                "--output",
                spec["output"],
                "--rate",
                "100",
                "--nonblocking",
                "--idle",
                "--threads",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def run(self) -> dict:
        meter = procstat.CpuMeter(self.plan["server_pids"])
        started = time.perf_counter()
        limit = self.plan.get("connect_timeout", 300)
        try:
            await asyncio.wait_for(self.connect_all(), limit)
        except TimeoutError:
            self.connect_failures[f"not connected within {limit} s"] += 1
        connect_wall = time.perf_counter() - started
        result = {
            "system": self.system,
            "label": self.plan.get("label", self.system),
            "users": len(self.members),
            "cohorts": len(self.cohorts),
            "connect": {
                "connected": len(self.connect_times),
                "failures": dict(self.connect_failures),
                "wall_s": round(connect_wall, 2),
                "time_ms": percentiles(self.connect_times),
                "server_cpu_s": round(meter.elapsed(), 3),
                "server_memory": self.server_memory(),
            },
            "steps": [],
        }
        if len(self.connect_times) < len(self.members):
            result["aborted"] = "connect failures"
            return result
        result["phase"] = await self.goto_phase()
        profiler = self.start_profiler()
        for spec in self.plan["steps"]:
            if spec["kind"] == "ramp":
                for rate in spec["rates"]:
                    outcome = await self.run_step(
                        {
                            "name": f"ramp-{rate}",
                            "kind": "ramp",
                            "rate": rate,
                            "duration": spec["duration"],
                        }
                    )
                    result["steps"].append(outcome)
                    print(json.dumps(summary(outcome)), file=sys.stderr, flush=True)
                    if stop := ramp_stop(outcome, spec):
                        outcome["stopped_ramp"] = stop
                        break
            else:
                outcome = await self.run_step(spec)
                result["steps"].append(outcome)
                print(json.dumps(summary(outcome)), file=sys.stderr, flush=True)
        if profiler:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=30)
        await self.settle(result["steps"])
        result["posts_acked_total"] = sum(1 for p in self.posts.values() if p.acked)
        result["stray_frames"] = self.stray
        result["server_memory"] = self.server_memory()
        if trace := self.plan.get("trace"):
            self.write_trace(Path(trace))
        for member in self.members:
            if member.ws is not None:
                await member.ws.close()
        return result

    def write_trace(self, path: Path) -> None:
        """Each post's times on this process's clock, for bench.trace."""
        posts = {
            post.client_id: {
                "step": post.step.name,
                "sent": post.sent_at,
                "acked": post.acked_at or None,
                "received": post.received,
            }
            for post in self.posts.values()
        }
        path.write_text(json.dumps(posts))


def ramp_stop(outcome: dict, spec: dict) -> str:
    """Why the ramp stops after this step ("" to go on)."""
    p99 = outcome["fanout_ms"]["p99"]
    if p99 is None or p99 > spec.get("stop_p99_ms", 250):
        return "p99"
    if outcome["undelivered"] or outcome["posts_unacked"]:
        return "undelivered"
    if (outcome["loadgen_cpu_share"] or 0) > spec.get("client_cpu_limit", 0.85):
        return "client_saturated"
    return ""


def summary(outcome: dict) -> dict:
    return {
        "step": outcome["name"],
        "acked": outcome["posts_acked"],
        "p50": outcome["fanout_ms"]["p50"],
        "p99": outcome["fanout_ms"]["p99"],
        "undelivered": outcome["undelivered"],
        "dup": outcome["duplicated"],
        "errors": outcome["errors"],
        "client_cpu": outcome["loadgen_cpu_share"],
    }


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    result = asyncio.run(LoadGenerator(plan).run())
    Path(sys.argv[2]).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
