"""ASGI entry point of the peer: `daphne bench.peer.asgi:application`."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peer.settings")
django.setup()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from bench.peer.consumers import RoomConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {"websocket": URLRouter([re_path(r"^ws/peer/(?P<room>\w+)/$", RoomConsumer.as_asgi())])}
)
