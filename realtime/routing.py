"""Websocket routes, inside config.asgi's origin check and session authentication."""

from django.urls import path

from goals.consumers import CohortConsumer
from realtime.consumers import BoardConsumer

websocket_urlpatterns = [
    path("ws/sessions/<int:pk>/", BoardConsumer.as_asgi()),
    path("ws/cohorts/<int:pk>/", CohortConsumer.as_asgi()),
]
