from django.urls import path  # noqa: F401  (routes are added by the features)

websocket_urlpatterns = []
