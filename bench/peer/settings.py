"""Minimal settings of the peer: one app, its own database, the board's layer choice.

The database and channel layer are tuned exactly as config.settings tunes the
board's (SQLite WAL + IMMEDIATE, same layer capacity), so a comparison measures
the write path and the consumer, not the configuration.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SECRET_KEY = "bench-peer"  # noqa: S105  (the peer has no sessions, cookies or signing)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["channels", "bench.peer"]
ASGI_APPLICATION = "bench.peer.asgi.application"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get(
            "PEER_DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'bench' / 'peer.sqlite3'}"
        ),
        conn_max_age=0,
    )
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["OPTIONS"] = {"pool": {"min_size": 1, "max_size": 20, "timeout": 10}}

_capacity = int(os.environ.get("CHANNEL_LAYER_CAPACITY", "1000"))
if REDIS_URL := os.environ.get("REDIS_URL", ""):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": os.environ.get(
                "CHANNEL_LAYER_BACKEND", "channels_redis.core.RedisChannelLayer"
            ),
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": "bench-peer",
                "capacity": _capacity,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": _capacity, "expiry": 30},
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
