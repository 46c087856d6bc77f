"""The processes a benchmark run starts: servers pinned to their CPU, their
databases made fresh, and the environment they start with."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
SERVER_CPU, CLIENT_CPU = 0, 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pinned(cpu: int):
    """preexec_fn pinning a child to one CPU (nothing on a one-CPU machine)."""

    def pin() -> None:
        if len(os.sched_getaffinity(0)) > 1:
            os.sched_setaffinity(0, {cpu})

    return pin


class Server:
    """One server process on a free loopback port, pinned to the server CPU."""

    def __init__(self, argv: list[str], env: dict[str, str], name: str, port: int, logs: Path):
        self.port = port
        self.log_path = logs / f"{name}-{port}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            argv,
            cwd=BASE,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=pinned(SERVER_CPU),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{self.log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{name} did not listen within 30 s")

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def daphne(app: str, env: dict[str, str], name: str, logs: Path) -> Server:
    port = free_port()
    argv = [
        PYTHON,
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "--access-log",
        os.devnull,
        # As `make run`: client frames up to the board's limit (MAX_FRAME_BYTES).
        "--websocket-max-frame-size",
        "16384",
        app,
    ]
    # Its own address: websockets open only from the site's own origin
    # (realtime/origins.py), which the load generator sends for each server.
    env = {**env, "SITE_URL": f"http://127.0.0.1:{port}"}
    return Server(argv, env, name, port, logs)


def run_checked(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, cwd=BASE, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# Databases -------------------------------------------------------------------


def fresh_postgres(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES_URL}/{name}"


def fresh_sqlite(name: str, workdir: Path) -> str:
    path = workdir / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def base_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    for name in (
        "DATABASE_URL",
        "REDIS_URL",
        "CHANNEL_LAYER_BACKEND",
        "PEER_DATABASE_URL",
        "DJANGO_SETTINGS_MODULE",
    ):
        env.pop(name, None)
    env.update(extra)
    return env
