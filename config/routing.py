"""Websocket routes, inside config.asgi's origin check and session authentication."""

from django.urls import path, re_path

from board.consumers import BoardConsumer
from goals.consumers import CohortConsumer
from realtime.consumers import UnknownPathConsumer

websocket_urlpatterns = [
    path("ws/sessions/<int:pk>/", BoardConsumer.as_asgi()),
    path("ws/cohorts/<int:pk>/", CohortConsumer.as_asgi()),
    # Last: any other path (/ws/unknown/, /ws/sessions/-1/) is refused with
    # the close code of a refused stream; without it the router raises.
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
