"""The peer baseline: the Channels tutorial's chat consumer, plus a database write.

A tiny separate ASGI app (settings bench.peer.settings): join a group on
connect, store each message through database_sync_to_async, group_send it.
No authentication, sequence numbers or idempotency, on purpose.
"""
