"""The floor baseline: a bare `websockets` server that stores nothing.

Each frame a client sends is relayed to every connection of its room (the URL
path) with websockets.broadcast(): the practical limit of Python here.

    python -m bench.floor --port 8765
"""

import argparse
import asyncio
import signal

from websockets.asyncio.server import broadcast, serve

rooms: dict[str, set] = {}


async def relay(connection) -> None:
    members = rooms.setdefault(connection.request.path, set())
    members.add(connection)
    try:
        async for frame in connection:
            broadcast(members, frame)
    finally:
        members.discard(connection)


async def main(port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    # Same frame limit as the board (16 KiB); no compression, like every system here.
    async with serve(
        relay, "127.0.0.1", port, compression=None, max_size=16384, ping_interval=None
    ):
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
