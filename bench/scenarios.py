"""The benchmark's scenarios: which system runs in which mode, and the
steps the load generator takes (steady rates, bursts, ramps, the soak)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Scenario:
    """One run of one system: its shape, its mode and the steps the load generator takes."""

    name: str
    system: str  # board | peer | floor
    cohorts: int
    steps: list[dict]
    scaleout: bool = False  # two server processes, PostgreSQL, Redis
    layer: str = "core"
    extra: dict = field(default_factory=dict)  # environment of the servers
    plan: dict = field(default_factory=dict)  # overrides of the load generator's plan
    app: str = "config.asgi:application"  # the board's; bench.trace serves another

    @property
    def label(self) -> str:
        if not self.scaleout:
            return self.system
        return f"{self.system} x2 {self.layer}" if self.system != "floor" else "floor"


def steady(rate: float, seconds: float) -> dict:
    return {
        "name": f"steady-{rate:g}",
        "kind": "rate",
        "rate": rate,
        "duration": seconds,
        "drain_timeout": 30,
    }


def burst(cohorts: int) -> dict:
    return {
        "name": f"burst-{cohorts}",
        "kind": "burst",
        "cohorts": cohorts,
        "window_ms": 100,
        "drain_timeout": 30,
    }


def ramp(rates: list[int], seconds: float) -> dict:
    return {
        "name": "ramp",
        "kind": "ramp",
        "rates": rates,
        "duration": seconds,
        "stop_p99_ms": 250,
    }


def scenarios(
    mode: str, systems: list[str], scaleout: bool, whatif: bool = False
) -> list[Scenario]:
    if mode == "quick":
        steps = [steady(10, 4), burst(5), ramp([20, 40, 80, 160, 320], 3)]
        return [Scenario(f"quick-{s}", s, 10, steps) for s in systems]
    rates = [5, 10, 15, 25, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200]
    main = [steady(50, 15), burst(20), ramp(rates, 5)]
    found = [Scenario(f"goal-{s}", s, 100, main) for s in systems]
    # 5,000 participants posting once a minute each: 83.3 posts/s.
    found += [
        Scenario(f"large-{s}", s, 500, [steady(round(5000 / 60, 1), 30)])
        for s in systems
        if s != "floor"
    ]
    if whatif and "board" in systems:
        found.append(
            Scenario(
                "whatif-board",
                "board",
                100,
                main,
                extra={"DJANGO_SETTINGS_MODULE": "bench.whatif_settings"},
            )
        )
    if scaleout:
        out = [steady(50, 10), ramp(rates[:13], 5)]
        for system, layer in [("board", "core"), ("board", "pubsub"), ("peer", "core")]:
            if system in systems:
                found.append(Scenario(f"scaleout-{system}-{layer}", system, 30, out, True, layer))
    return found


def soak(minutes: float, cohorts: int = 100) -> Scenario:
    """One post per participant per minute; 1 % of the clients reconnect each second."""
    users = 10 * cohorts
    step = {
        "name": "soak",
        "kind": "rate",
        "rate": round(users / 60, 1),
        "duration": minutes * 60,
        "reconnect_per_s": max(1, users // 100),
        "probe_every": 30,
    }
    return Scenario("soak", "board", cohorts, [step], scaleout=True, layer="core")
