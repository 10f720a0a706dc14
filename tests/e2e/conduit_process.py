"""Run a real `conduit` process (the installed console script) for end-to-end tests."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
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


@contextlib.contextmanager
def conduit_serve(env: dict[str, str], *args: str, startup_timeout: float = 90) -> Iterator[str]:
    """Start `conduit serve` on a free port; yield its base URL; stop it with SIGTERM."""
    port = free_port()
    process = subprocess.Popen(
        [CONDUIT, "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, base_url, startup_timeout)
        yield base_url
    finally:
        stop(process)


def stop(process: "subprocess.Popen[str]") -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    output, _ = process.communicate()
    return output or ""


def _wait_until_up(process: "subprocess.Popen[str]", base_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"conduit serve exited with {process.returncode}:\n{stop(process)}")
        with contextlib.suppress(OSError):
            status, _ = request("GET", f"{base_url}/api/user")
            if status == 401:
                return
        time.sleep(0.2)
    raise RuntimeError(f"conduit serve did not start within {timeout}s:\n{stop(process)}")
