"""The people the load generator plays, and what it counts: members in
their cohorts, each post with its delivery mask, and each step's tallies.

A delivery mask has one bit per member of the post's cohort (`Member.index`):
the members connected when it was sent (`expected`) and those it reached
(`seen`).
"""

from __future__ import annotations

import asyncio
import collections
from dataclasses import dataclass, field

EMOJIS = ["plus_one", "heart", "clap", "bulb", "smile"]


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


def cohorts_from_plan(plan: dict) -> list[Cohort]:
    """The plan's cohorts and members, spread over its server urls in turn."""
    cohorts = []
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
        cohorts.append(cohort)
    return cohorts
