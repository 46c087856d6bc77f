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

The people and their tallies are bench.crowd's, the sockets and frames
bench.clients', the percentiles bench.stats' and the servers' readings
bench.probes'; this module drives them through the plan's steps.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
import uuid
from pathlib import Path

from bench import probes, procstat
from bench.clients import Clients
from bench.crowd import Member, Step
from bench.stats import percentiles, ramp_stop, summary


class LoadGenerator(Clients):
    """The clients driven through the plan: connect everyone, move every board
    to its phase, run each step (steady, ramp, burst) and measure it."""

    def __init__(self, plan: dict):
        super().__init__(plan)
        self.reaction_every = plan.get("reaction_every", 10)
        self.steps: list[Step] = []

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
        samples = []
        if every := spec.get("probe_every"):
            samples.append(self.probe(started))
            prober = asyncio.create_task(self.probe_loop(every, started, samples))
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
            "probes": samples + [self.probe(started)] if samples else [],
        }

    def probe(self, started: float) -> dict:
        return probes.probe(self.plan, self.cohorts, started)

    def server_memory(self) -> dict:
        return probes.server_memory(self.plan["server_pids"])

    async def probe_loop(self, every: float, started: float, samples: list) -> None:
        while True:
            await asyncio.sleep(every)
            samples.append(self.probe(started))

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

    # The run -----------------------------------------------------------------

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
        profiler = probes.start_profiler(self.plan)
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


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    result = asyncio.run(LoadGenerator(plan).run())
    Path(sys.argv[2]).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
