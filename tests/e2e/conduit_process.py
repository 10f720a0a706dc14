"""Run a real `conduit` process (the installed console script) for end-to-end tests."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CONDUIT = str(Path(sys.executable).with_name("conduit"))
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """`../shared` beside the project (also in CI), or where CONDUIT_SHARED_DIR points."""
    candidates: list[str | Path | None] = [
        os.environ.get("CONDUIT_SHARED_DIR"),
        PROJECT_ROOT.parent / "shared",
        "/work/shared",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "conformance" / "run-hurl.sh").exists():
            return Path(candidate)
    raise RuntimeError("the RealWorld conformance suite (../shared) was not found; set CONDUIT_SHARED_DIR")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def conduit_env(**overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    # Load generators (shutdown, faults) register from one address without end: the login and registration rate
    # limit is off unless a test turns it on (conduit_url does: the official suite runs against the defaults).
    env["RATE_LIMIT_ENABLED"] = "false"
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CONDUIT, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def request(method: str, url: str, body: dict[str, Any] | None = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - local test server
    try:
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class ConduitServer:
    """A running `conduit serve`; its output goes to a file (a pipe nobody reads would fill up and block it)."""

    def __init__(self, process: "subprocess.Popen[bytes]", base_url: str, log_path: Path) -> None:
        self.process = process
        self.base_url = base_url
        self.log_path = log_path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.output()


@contextlib.contextmanager
def conduit_server(env: dict[str, str], *args: str, startup_timeout: float = 90) -> Iterator[ConduitServer]:
    """Start `conduit serve` on a free port; yield it once every worker has started; stop it with SIGTERM."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="conduit-e2e-") as folder:
        log_path = Path(folder) / "conduit.log"
        with log_path.open("ab") as log:  # append mode: the child's writes never overwrite what is read
            process = subprocess.Popen(
                [CONDUIT, "serve", "--port", str(port), *args], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        server = ConduitServer(process, f"http://127.0.0.1:{port}", log_path)
        try:
            _wait_until_up(server, startup_timeout, workers=_workers(args))
            yield server
        finally:
            server.stop()


@contextlib.contextmanager
def conduit_serve(env: dict[str, str], *args: str, startup_timeout: float = 90) -> Iterator[str]:
    """Start `conduit serve` on a free port; yield its base URL; stop it with SIGTERM."""
    with conduit_server(env, *args, startup_timeout=startup_timeout) as server:
        yield server.base_url


def _workers(args: tuple[str, ...]) -> int:
    return int(args[args.index("--workers") + 1]) if "--workers" in args else 1


# uvicorn's line as each worker finishes its start-up (logger uvicorn.error, INFO: the level every test keeps).
WORKER_STARTED = "Application startup complete."


def _wait_until_up(server: ConduitServer, timeout: float, workers: int) -> None:
    """Until the service answers and every worker has started: the service answers as soon as its first worker
    has, and a test that counts on each worker (one /metrics summed over them, a limit they share) would otherwise
    meet the others still starting."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"conduit serve exited with {server.process.returncode}:\n{server.stop()}")
        with contextlib.suppress(OSError):
            status, _ = request("GET", f"{server.base_url}/api/user")
            if status == 401 and server.output().count(WORKER_STARTED) >= workers:
                return
        time.sleep(0.2)
    raise RuntimeError(f"conduit serve did not start {workers} worker(s) within {timeout}s:\n{server.stop()}")
