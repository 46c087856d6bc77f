"""Reads shared by the sockets of one process.

A presence change is announced to a stream's group with a fresh token. Every
socket of the group needs the same new list: the first socket of this
process to handle a token reads it, the others await that same read, so a
cohort of ten joining costs ten reads instead of a hundred.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from channels.db import database_sync_to_async

KEEP = 512  # tokens remembered; a token's sockets all handle it within moments


class SharedReads:
    def __init__(self):
        self._reads: OrderedDict[tuple, asyncio.Future] = OrderedDict()

    async def get(self, token: str, read):
        """The result of `read()` (synchronous, in the database thread), read
        once per token and event loop."""
        key = (asyncio.get_running_loop(), token)
        found = self._reads.get(key)
        if found is None:
            found = self._reads[key] = asyncio.ensure_future(database_sync_to_async(read)())
            while len(self._reads) > KEEP:
                self._reads.popitem(last=False)
        return await asyncio.shield(found)


presence_reads = SharedReads()
