"""The load harness: `make bench` / `make bench-quick`.

bench.run starts each system (the board, the peer, the floor), seeds it, drives
it with bench.loadgen in a process of its own, and writes the report. See
docs/performance.md.
"""
