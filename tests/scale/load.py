"""A small HTTP client and a bounded load run for the cluster's proof tests (threads, keep-alive connections)."""

import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


class Client:
    """One keep-alive HTTP/1.1 connection to one base URL; reconnects after an error. `forwarded_for`: the client
    address the hosts see (X-Forwarded-For), as nginx would name it; the hosts trust it from the cluster's side."""

    def __init__(self, base_url: str, timeout: float = 10.0, forwarded_for: str | None = None) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.forwarded_for = forwarded_for
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: object = None, token: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        payload = json.dumps(body).encode() if body is not None else None
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            document = json.loads(raw) if raw else {}
        except ValueError:
            document = {"raw": raw.decode(errors="replace")[:200]}
        return response.status, document

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def register(base_url: str, name: str | None = None) -> tuple[str, str]:
    """A new account through `base_url`: (username, token)."""
    username = name or f"u{uuid.uuid4().hex[:12]}"
    user = {"username": username, "email": f"{username}@scale.test", "password": "scale-test-pw"}
    status, document = Client(base_url).request("POST", "/api/users", {"user": user})
    assert status == 201, (status, document)
    return username, document["user"]["token"]


def article(title: str) -> dict[str, Any]:
    return {"article": {"title": title, "description": "load", "body": "written under load", "tagList": TAGS}}


TAGS = ["scale", "load"]


@dataclass
class Outcome:
    """What every request of a load run got."""

    gets: int = 0
    get_failures: list[str] = field(default_factory=list)  # answered, but not 200 (a 502, a 504...)
    gets_cut: list[str] = field(default_factory=list)  # the response broke off: its host died while sending it
    posts_ok: list[str] = field(default_factory=list)  # titles answered 2xx
    posts_failed: list[tuple[str, str]] = field(default_factory=list)  # (title, status or error)
    lock: threading.Lock = field(default_factory=threading.Lock)


def load_run(
    base_url: str,
    token: str,
    read_paths: list[str],
    seconds: float,
    readers: int,
    writers: int,
    at: float | None = None,
    action: Callable[[], None] | None = None,
) -> Outcome:
    """`readers` threads GET `read_paths` in turn and `writers` threads POST articles with unique titles, for
    `seconds`; `action` runs once, `at` seconds in (e.g. a host killed)."""
    outcome = Outcome()
    deadline = time.monotonic() + seconds

    def reader(number: int) -> None:
        client = Client(base_url)
        index = number
        while time.monotonic() < deadline:
            path = read_paths[index % len(read_paths)]
            index += 1
            error = cut = None
            try:
                status, _ = client.request("GET", path)
                error = None if status == 200 else f"GET {path}: {status}"
            except (OSError, http.client.HTTPException) as exc:
                cut = f"GET {path}: {exc!r}"
            with outcome.lock:
                outcome.gets += 1
                if error:
                    outcome.get_failures.append(error)
                if cut:
                    outcome.gets_cut.append(cut)
        client.close()

    def writer() -> None:
        client = Client(base_url)
        while time.monotonic() < deadline:
            title = f"load {uuid.uuid4().hex}"
            try:
                status, document = client.request("POST", "/api/articles", article(title), token=token)
                failure = None if status == 201 else f"{status} {str(document.get('errors', ''))[:120]}".strip()
            except (OSError, http.client.HTTPException) as exc:
                failure = repr(exc)
            with outcome.lock:
                if failure is None:
                    outcome.posts_ok.append(title)
                else:
                    outcome.posts_failed.append((title, failure))
        client.close()

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(readers)]
    threads += [threading.Thread(target=writer) for _ in range(writers)]
    for thread in threads:
        thread.start()
    try:
        if action is not None and at is not None:
            time.sleep(at)
            action()
    finally:
        for thread in threads:
            thread.join(timeout=seconds + 30)
    return outcome
