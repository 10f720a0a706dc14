"""Request id, access log line and request metrics for every HTTP request; the `/metrics` exposition.

A plain ASGI middleware rather than Starlette's BaseHTTPMiddleware: it only wraps `send`, so responses stream
through untouched and no extra task or body buffering is added to each request.
"""

import logging
import os
import re
import time
from collections.abc import Callable

from fastapi import APIRouter, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.auth import ContainerDep
from entrypoints.logging import start_request
from entrypoints.metrics import CONTENT_TYPE, Metrics

access_log = logging.getLogger("conduit.access")
REQUEST_ID_HEADER = b"x-request-id"
SANE_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, no spaces: safe in a log line and a header
UNMATCHED_ROUTE = "unmatched"
# Probes and scrapes every few seconds would drown the requests that matter.
QUIET_PATHS = frozenset({"/health/live", "/health/ready", "/metrics"})


def request_id_from(scope: Scope) -> str:
    """The caller's X-Request-ID when it is sane, so a trace spans services; else a fresh one."""
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            candidate: str = value.decode("latin-1")
            if SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return os.urandom(16).hex()  # 32 hex digits, as uuid4().hex, at half the cost (no UUID object per request)


def route_template(scope: Scope, root_path: str) -> str:
    """`/api/articles/{slug}`, never the raw path: one series per route, whatever the slugs.

    Routing leaves the matched route in the scope; a mounted app (the docs' static files) only moves `root_path`
    (from the `root_path` the request came in with) to the mount's path.
    """
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    mounted_at = scope.get("root_path", "")
    if "endpoint" in scope and mounted_at != root_path and mounted_at.startswith(root_path):
        return f"{mounted_at.removeprefix(root_path)}/{{path}}"
    return UNMATCHED_ROUTE


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, metrics: Callable[[], Metrics]) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        root_path = scope.get("root_path", "")
        start_request(request_id)
        scope.setdefault("state", {})["request_id"] = request_id  # request.state: the 500 handler answers outside us
        status = 500  # what the client gets if the app raises before answering
        request_id_header = (REQUEST_ID_HEADER, request_id.encode("latin-1"))

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), request_id_header]
            await send(message)

        if scope["path"] in QUIET_PATHS:
            await self.app(scope, receive, send_with_request_id)
            return

        metrics = self.metrics()
        metrics.in_flight.inc()
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            seconds = time.perf_counter() - started
            metrics.in_flight.dec()
            route, method = route_template(scope, root_path), scope["method"]
            metrics.observe_request(method, route, status, seconds)
            if access_log.isEnabledFor(logging.INFO):  # LOG_LEVEL=WARNING: not even the line's fields are built
                access_log.info(
                    "%s %s %s %.1fms",
                    method,
                    scope["path"],
                    status,
                    seconds * 1000,
                    extra={
                        "method": method,
                        "path": scope["path"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                    },
                )


metrics_router = APIRouter(tags=["Operations"])


@metrics_router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text exposition"}},
)
def metrics(container: ContainerDep) -> Response:
    return Response(container.metrics().render(), media_type=CONTENT_TYPE)
