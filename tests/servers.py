"""Real Daphne processes for browser and multi-process tests.

Daphne runs as a subprocess (not a fork of the test process: a fork after any
`sync_to_async` call hangs on database access), pointed at the test database
through DATABASE_URL.
"""

from __future__ import annotations

import email
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.waiting import eventually_sync

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """A DATABASE_URL naming the database this test run created."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    if connection.vendor == "postgresql":
        user = params.get("USER") or ""
        password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
        auth = f"{user}{password}@" if user else ""
        host = params.get("HOST") or "127.0.0.1"
        port = params.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{params['NAME']}"
    raise RuntimeError(f"no live server for {connection.vendor}")


class DaphneServer:
    """One `daphne config.asgi:application` subprocess on a free loopback port."""

    def __init__(self, *, extra_env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Emails land in files that a test can read (see emails()).
        self.mail_dir = BASE_DIR / "var" / f"mail-{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "DEBUG": "0",
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            "SITE_URL": self.url,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            # The test process's own groups (tests/conftest.py), so that what it
            # sends on the layer reaches this server's sockets.
            "CHANNEL_LAYER_PREFIX": settings.CHANNEL_LAYERS["default"]
            .get("CONFIG", {})
            .get("prefix", "cohorts"),
            **(extra_env or {}),
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.log_path = BASE_DIR / "var" / f"daphne-{self.port}.log"
        self.log_path.parent.mkdir(exist_ok=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                # Client frames up to the application's limit (MAX_FRAME_BYTES);
                # see tests/realtime/test_daphne_limits.py.
                "--websocket-max-frame-size",
                "16384",
                "config.asgi:application",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_for_port()

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"daphne exited early:\n{self.log_path.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def _wait_for_port(self, timeout: float = 30.0) -> None:
        eventually_sync(self._listening, timeout=timeout, what="daphne listening")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
        self.log_path.unlink(missing_ok=True)
        shutil.rmtree(self.mail_dir, ignore_errors=True)

    def emails(self) -> list[email.message.Message]:
        """Every email this server has sent so far, oldest first."""
        if not self.mail_dir.exists():
            return []
        messages = []
        for path in sorted(self.mail_dir.iterdir(), key=lambda p: p.stat().st_mtime_ns):
            # The file backend writes each message followed by a line of 79 dashes.
            for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
                if chunk.strip():
                    messages.append(email.message_from_string(chunk))
        return messages
