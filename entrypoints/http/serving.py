"""How `conduit serve` runs uvicorn: our logging, uvicorn's fast stack, and a shutdown on SIGTERM that cuts no
request off.

The stack is uvicorn's own optional C parts: httptools (llhttp, node's HTTP parser) and uvloop (libuv). On 2 cores
they serve a quarter more requests per second than the pure-Python h11 parser on asyncio's loop (the ceiling routes;
what is left is mostly FastAPI's own work and the thread pool hop of sync routes).

uvicorn already stops listening on SIGTERM, lets requests in progress finish (up to the graceful timeout), then runs
the app's lifespan shutdown. Three gaps remain, closed here:
- it closes at once every connection with no request in progress, including one accepted a moment ago whose request
  is on its way or already in the socket buffer: the client gets a reset and cannot tell whether its request was done
  (`GracefulHttpToolsProtocol.shutdown`);
- with several workers the supervisor process keeps its copy of the listening socket until it exits: the kernel goes
  on queueing connections that no worker will accept, then resets them all (`_Supervisor`);
- with several workers uvicorn binds the shared socket itself, with protocol number 0, and asyncio only turns Nagle's
  algorithm off (TCP_NODELAY) on connections accepted from a socket whose protocol is IPPROTO_TCP: every keep-alive
  response then waits ~40 ms for the client's delayed ACK (uvicorn issue 3149). Each connection sets it itself
  (`GracefulHttpToolsProtocol.connection_made`), whatever the loop and however the socket was bound.
"""

import asyncio
import contextlib
import ctypes
import logging
import os
import socket
import sys
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from entrypoints.settings import PoolPlan

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger(__name__)
APP = f"{__name__}:worker_app"  # a string: spawned workers import it
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
GRACEFUL_TIMEOUT_SECONDS = 20
FIRST_REQUEST_GRACE_SECONDS = 1.0
# glibc's malloc gives each new thread an arena of its own, up to 8 per core. An argon2 hash takes 19 MiB, which
# (once malloc's dynamic mmap threshold has risen past it) comes from the hashing thread's arena and stays there:
# a worker that had every thread of its pool hash once held ~19 MiB per thread, 470 MiB under the benchmark. Two
# arenas hold what the (at most one per core) concurrent hashes need, and logins are no slower for it (a hash reuses
# warm memory rather than faulting in a fresh arena's). Threads contend little for an arena: they hold the GIL.
MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h


@contextlib.contextmanager
def metrics_directory() -> Iterator[None]:
    """Where every worker keeps its metrics (prometheus_client's multiprocess mode): PROMETHEUS_MULTIPROC_DIR when
    set, else a fresh directory removed on exit. The workers inherit it with the environment. It must be set before
    anything imports prometheus_client, which decides at import where values live: so this module does not."""
    if os.environ.get(METRICS_DIR_VARIABLE):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="conduit-metrics-") as directory:
        os.environ[METRICS_DIR_VARIABLE] = directory
        try:
            yield
        finally:
            os.environ.pop(METRICS_DIR_VARIABLE, None)


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas in this process, unless the operator set MALLOC_ARENA_MAX (glibc read it at start).
    To be called before the process starts its threads. False where it does not apply (not glibc)."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))


def worker_app() -> "FastAPI":
    """What each worker serves: the app from the environment, in a process whose malloc arenas are capped."""
    from entrypoints.http.asgi import app_from_environment  # noqa: PLC0415 - after PROMETHEUS_MULTIPROC_DIR is set

    limit_malloc_arenas()
    return app_from_environment()


def serve_http(host: str, port: int, pool: PoolPlan) -> None:
    """Serve with `pool.workers` processes, each with the connection pool and thread pool of `pool`."""
    workers = pool.workers
    # Each worker reads its settings from the environment: it gets its share of the connections as set here.
    os.environ["DB_POOL_SIZE"] = str(pool.pool_size)
    log.info("%s; %d threads per worker", pool.describe(), pool.threads)
    config = uvicorn.Config(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_graceful_shutdown=GRACEFUL_TIMEOUT_SECONDS,
        # The client address is ours to decide (TRUSTED_PROXIES): uvicorn would otherwise believe X-Forwarded-For
        # from any local peer, and a brute-force could pose as a new client with every request.
        proxy_headers=False,
        http=f"{__name__}:GracefulHttpToolsProtocol",  # a string: spawned workers import it
        loop="uvloop",
        log_config=None,  # uvicorn's loggers go through ours (entrypoints/logging.py)
        access_log=False,  # the app writes its own access line, with request id, route and user
    )
    if workers > 1:
        _Supervisor(config, sockets=[config.bind_socket()]).run()
        return
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def set_tcp_nodelay(transport: asyncio.BaseTransport) -> None:
    """Send each write at once (no Nagle): a response's last segment must not wait for the client's ACK."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in {socket.AF_INET, socket.AF_INET6}:
        with contextlib.suppress(OSError):  # the peer may already be gone; the connection fails on its own then
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class CoalescedWrites:
    """A transport whose writes made in one turn of the event loop leave in one write, at the end of that turn.

    uvicorn writes a response's status line and headers, then its body, in two writes: two system calls and, with
    TCP_NODELAY, two TCP segments. In one write the response leaves whole or not at all: a proxy in front never
    receives the head of a response whose body was lost with a host killed between the two (nginx cannot retry
    such a request on another host: it has already passed the headers on). Everything else is the transport's own.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport, self._loop = transport, loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> object:
        return getattr(self._transport, name)


class GracefulHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, plus: TCP_NODELAY on every connection; each response written in one piece
    (CoalescedWrites); and at shutdown a connection with no request in progress gets a moment for one to arrive
    before it is closed; a request that comes meanwhile is answered (and the connection closed after it)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_tcp_nodelay(transport)
        coalesced = CoalescedWrites(transport, self.loop)
        super().connection_made(coalesced)  # type: ignore[arg-type]  # a transport in all but name

    def shutdown(self) -> None:
        if self.cycle is None or self.cycle.response_complete:
            self.loop.call_later(FIRST_REQUEST_GRACE_SECONDS, self._shutdown_now)
        else:
            super().shutdown()

    def _shutdown_now(self) -> None:
        if not self.transport.is_closing():
            super().shutdown()


class _Supervisor(Multiprocess):
    """Stops listening as soon as it is told to stop, so that new connections are refused rather than left queued."""

    def handle_term(self) -> None:
        self._stop_listening()
        super().handle_term()

    def handle_int(self) -> None:
        self._stop_listening()
        super().handle_int()

    def _stop_listening(self) -> None:
        for sock in self.sockets:  # the workers hold their own copies: they go on serving until they are stopped
            sock.close()
