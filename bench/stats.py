"""What the load generator reports: latency percentiles, when a ramp stops,
and the one-line summary of a step printed as it ends."""

from __future__ import annotations

import math


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
