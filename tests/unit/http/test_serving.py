"""The HTTP protocol `conduit serve` runs: TCP_NODELAY on every accepted connection, however the socket was bound.

With --workers N, uvicorn binds the shared listening socket itself, with protocol number 0; asyncio only turns Nagle's
algorithm off on connections accepted from an IPPROTO_TCP socket, so each keep-alive response then waited ~40 ms for
the client's delayed ACK (uvicorn issue 3149). The test binds a socket the same way and serves it on asyncio's own
loop, where the trap is; the single-connection throughput of `conduit serve --workers 2` is in the benchmark.
"""

import asyncio
import platform
import socket

import pytest
from starlette.types import Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from entrypoints.http.serving import CoalescedWrites, GracefulHttpToolsProtocol, limit_malloc_arenas


async def app(scope: Scope, receive: Receive, send: Send) -> None:  # never called: no request is sent
    raise AssertionError("no request expected")


def bound_as_uvicorn_workers_bind() -> socket.socket:
    """What `uvicorn.Config.bind_socket` does for --workers: `socket.socket(family)`, so proto is 0, not TCP."""
    sock = socket.socket(family=socket.AF_INET)
    sock.bind(("127.0.0.1", 0))
    assert sock.proto == 0
    return sock


def server_side_nodelay(protocol_class: type[HttpToolsProtocol]) -> int:
    """Serve a socket bound as uvicorn's workers do, connect to it, and read TCP_NODELAY on the accepted side."""

    async def scenario() -> int:
        config = Config(app, http=protocol_class, log_config=None)
        config.load()
        state = ServerState()
        loop = asyncio.get_running_loop()
        listening = bound_as_uvicorn_workers_bind()
        server = await loop.create_server(lambda: protocol_class(config, state, {}, loop), sock=listening)
        try:
            _, writer = await asyncio.open_connection(*listening.getsockname())
            for _ in range(100):  # connection_made runs on a later turn of the loop
                if state.connections:
                    break
                await asyncio.sleep(0.01)
            (accepted,) = state.connections
            assert isinstance(accepted, HttpToolsProtocol)
            value: int = accepted.transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            writer.close()
            await writer.wait_closed()
            return value
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(scenario())  # asyncio's own loop: uvloop sets TCP_NODELAY by itself and would hide the trap


def test_the_trap_exists_without_our_protocol() -> None:
    assert server_side_nodelay(HttpToolsProtocol) == 0


def test_every_accepted_connection_has_tcp_nodelay() -> None:
    assert server_side_nodelay(GracefulHttpToolsProtocol) == 1


def test_malloc_arenas_are_left_to_an_operator_who_set_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")

    assert limit_malloc_arenas() is False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc malloc setting")
def test_malloc_arenas_are_capped_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)

    assert limit_malloc_arenas() is True


# --- each response in one write -------------------------------------------------------------------------------


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def test_writes_of_one_turn_of_the_loop_leave_as_one_and_close_sends_what_is_pending() -> None:
    async def scenario() -> tuple[list[bytes], list[bytes], list[bytes], bool]:
        recording = RecordingTransport()
        coalesced = CoalescedWrites(recording, asyncio.get_running_loop())
        coalesced.write(b"HTTP/1.1 200 OK\r\n\r\n")
        coalesced.write(b"body")
        before_the_turn_ends = list(recording.writes)
        await asyncio.sleep(0)
        after_one_turn = list(recording.writes)
        coalesced.write(b"next")
        coalesced.close()
        return before_the_turn_ends, after_one_turn, recording.writes, recording.closed

    before, after, finally_written, closed = asyncio.run(scenario())

    assert before == []
    assert after == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    assert finally_written == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"next"]
    assert closed


async def answering_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]})
    await send({"type": "http.response.body", "body": b"hello"})


def socket_writes_per_response(protocol_class: type[HttpToolsProtocol], monkeypatch: pytest.MonkeyPatch) -> int:
    """Serve one request with the protocol; how many writes reached the socket transport for the response."""
    writes: list[bytes] = []
    real_write = asyncio.selector_events._SelectorSocketTransport.write  # type: ignore[attr-defined]

    def counting_write(self: object, data: bytes) -> None:
        writes.append(bytes(data))
        real_write(self, data)

    monkeypatch.setattr(asyncio.selector_events._SelectorSocketTransport, "write", counting_write)  # type: ignore[attr-defined]

    async def scenario() -> bytes:
        config = Config(answering_app, http=protocol_class, log_config=None)
        config.load()
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: protocol_class(config, ServerState(), {}, loop), "127.0.0.1", 0)
        try:
            reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname())
            writer.write(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            answer = await reader.read()
            writer.close()
            return answer
        finally:
            server.close()
            await server.wait_closed()

    answer = asyncio.run(scenario())
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert answer.endswith(b"hello")
    return len([data for data in writes if data.startswith(b"HTTP/1.1") or data == b"hello"])


def test_uvicorn_writes_a_response_head_and_body_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    assert socket_writes_per_response(HttpToolsProtocol, monkeypatch) == 2


def test_our_protocol_writes_each_response_in_one_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    assert socket_writes_per_response(GracefulHttpToolsProtocol, monkeypatch) == 1
