"""A Redis for tests: TEST_REDIS_URL, else REDIS_URL, else one on 127.0.0.1:6379, else a throwaway `redis-server`
started for the run (on a free port, keeping nothing on disk). Tests skip, saying why, only when none of these is
possible (Debian: `apt-get install redis-server`)."""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import redis

LOCAL_SERVER = "redis://127.0.0.1:6379/0"


def reachable(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def redis_server() -> Iterator[str | None]:
    """A Redis URL, or None (with the reason printed by the caller's skip) when there is no Redis to be had."""
    configured = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    if configured:
        yield configured
        return
    if reachable(LOCAL_SERVER):
        yield LOCAL_SERVER
        return
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="conduit-test-redis-") as folder:
        arguments = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process = subprocess.Popen([*arguments, "--dir", folder], stdout=subprocess.DEVNULL)
        url = f"redis://127.0.0.1:{port}/0"
        try:
            deadline = time.monotonic() + 10
            while not reachable(url):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)
