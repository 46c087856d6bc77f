"""Splitting a cohort into accountability pairs and triads.

Pure functions over membership ids, so that the split can be tested without a
database; services.py stores the result.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from itertools import combinations

# Random splits tried per rotation: a cohort holds about ten participants, so
# this finds a split with no recent pair whenever one is easy to find.
TRIES = 300


def chunk(ids: Sequence[int]) -> list[list[int]]:
    """Pairs in order; an odd one out joins the last pair as a triad."""
    groups = [list(ids[i : i + 2]) for i in range(0, len(ids), 2)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        groups[-2].extend(groups.pop())
    return groups


def pairs_of(groups: Iterable[Iterable[int]]) -> set[frozenset[int]]:
    return {frozenset(pair) for group in groups for pair in combinations(group, 2)}


def repeat_cost(groups: list[list[int]], history: Sequence[list[list[int]]]) -> int:
    """How badly `groups` repeats past rounds; `history` is newest first and a
    pair from the newest round weighs the most."""
    pairs = pairs_of(groups)
    cost = 0
    for age, past in enumerate(history):
        weight = len(history) - age
        cost += weight * len(pairs & pairs_of(past))
    return cost


def split(
    ids: Sequence[int],
    *,
    history: Sequence[list[list[int]]] = (),
    rng: random.Random | None = None,
) -> list[list[int]]:
    """Place every id in a pair, or a triad when the number is odd, avoiding
    the pairs of `history` (recent rounds, newest first) where possible."""
    rng = rng or random.Random()
    ids = list(ids)
    if len(ids) < 2:
        return [ids] if ids else []
    best, best_cost = None, None
    for _attempt in range(TRIES):
        rng.shuffle(ids)
        groups = chunk(ids)
        cost = repeat_cost(groups, history)
        if best_cost is None or cost < best_cost:
            best, best_cost = [list(group) for group in groups], cost
            if cost == 0:
                break
    return best
