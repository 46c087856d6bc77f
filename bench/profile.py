"""Summarize a py-spy raw profile (collapsed stacks) written by `bench.run --profile`.

    python -m bench.profile bench/results/<stamp>-goal-board-profile.txt [--top 25]

Prints, per thread, the share of samples in which each function is on the
stack (inclusive) and at its top (self). Idle samples are kept (py-spy
--idle): a thread's "self" time in epoll or in a lock wait is its idle time.
"""

import argparse
import collections
import re
from pathlib import Path


def frame_name(frame: str) -> str:
    """'handle (board/services.py:120)' -> 'handle (board/services.py)'."""
    return re.sub(r":\d+\)$", ")", frame.strip())


def summarize(path: Path, top: int) -> str:
    inclusive: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    own: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    totals: collections.Counter = collections.Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        thread = frames[0]
        names = [frame_name(f) for f in frames[1:]]
        totals[thread] += int(count)
        for name in set(names):
            inclusive[thread][name] += int(count)
        if names:
            own[thread][names[-1]] += int(count)
    out = []
    for thread, total in totals.most_common():
        out.append(f"== {thread}: {total} samples")
        out.append("   inclusive  self   function")
        for name, count in inclusive[thread].most_common(top):
            out.append(
                f"   {100 * count / total:8.1f}%  {100 * own[thread][name] / total:5.1f}%  {name}"
            )
    return "\n".join(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    print(summarize(args.path, args.top))
