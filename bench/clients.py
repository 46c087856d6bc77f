"""The load generator's clients: one websocket per member, the frames each
receives (matched to their posts by client_id), and the frames each sends
(posts, reactions, a resend after reconnecting).

The board gets the real protocol; the peer and the floor relay the same
frames, and for them the poster's own copy is its acknowledgement.
"""

from __future__ import annotations

import asyncio
import collections
import json
import random
import time
import uuid

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from bench.crowd import EMOJIS, Cohort, Member, Post, Step, cohorts_from_plan


class Clients:
    """Every member's socket, what each receives, and what it sends."""

    def __init__(self, plan: dict):
        self.plan = plan
        self.system = plan["system"]
        self.board = self.system == "board"
        self.text_size = plan.get("text_size", 200)
        self.posts: dict[str, Post] = {}
        self.reactions: dict[str, tuple[float, Step]] = {}
        self.step: Step | None = None
        self.stray = 0
        self.tasks: set[asyncio.Task] = set()
        self.random = random.Random(plan.get("seed", 5))
        self.cohorts: list[Cohort] = cohorts_from_plan(plan)
        self.members = [m for c in self.cohorts for m in c.members]
        self.connect_times: list[float] = []
        self.connect_failures: collections.Counter = collections.Counter()

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
