"""Log lines: JSON objects (one per line) for machines, readable lines in a terminal; the request's id on each.

Every line written while a request is handled carries its `request_id` (and `user_id` once the token is read): the
HTTP middleware puts a `RequestContext` in a context variable, which follows the request into FastAPI's thread pool.
Bodies and headers are never logged; `redact_secrets` is the safety net for anything that slips into a message.
"""

import json
import logging
import re
import sys
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

LogFormat = Literal["auto", "json", "console"]
ACCESS_FIELDS = ("method", "path", "route", "status", "duration_ms")
REDACTED = "[redacted]"
_SECRETS = (
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), REDACTED),  # a JWT
    (re.compile(r"\b(Token|Bearer)(\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE), rf"\1\2{REDACTED}"),
    (re.compile(r"(\bpassword\\?[\"']?\s*[:=]\s*\\?[\"']?)[^\"'\\\s,;&}]+", re.IGNORECASE), rf"\1{REDACTED}"),
    (re.compile(r"(://[^:/@\s]+:)[^@/\s]+@"), rf"\1{REDACTED}@"),  # a URL's password
)


@dataclass(slots=True)
class RequestContext:
    """Mutable on purpose: the auth dependency runs in a worker thread, on a copy of the context; a new value set
    there would not reach the middleware's access line, a field set on this shared object does."""

    request_id: str
    user_id: str | None = None


_request: ContextVar[RequestContext | None] = ContextVar("conduit_request", default=None)


def start_request(request_id: str) -> RequestContext:
    """Not reset at the end: each request runs in a task of its own (with its own copy of the context), and the
    server's 500 handler, which runs after the middleware has returned, must still see the id."""
    context = RequestContext(request_id)
    _request.set(context)
    return context


def current_request() -> RequestContext | None:
    return _request.get()


def bind_user(user_id: str) -> None:
    if (context := _request.get()) is not None:
        context.user_id = user_id


def redact_secrets(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact_secrets(self.render(record, current_request()))

    def render(self, record: logging.LogRecord, request: RequestContext | None) -> str:
        raise NotImplementedError


class JsonFormatter(_Formatter):
    def render(self, record: logging.LogRecord, request: RequestContext | None) -> str:
        line: dict[str, Any] = {
            "time": _utc_iso(record.created),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        if request is not None:
            line["request_id"] = request.request_id
            if request.user_id is not None:
                line["user_id"] = request.user_id
        for name in ACCESS_FIELDS:
            if (value := record.__dict__.get(name)) is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class ConsoleFormatter(_Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s  %(message)s")

    def render(self, record: logging.LogRecord, request: RequestContext | None) -> str:
        text = logging.Formatter.format(self, record)
        if request is None:
            return text
        user = f" user={request.user_id}" if request.user_id is not None else ""
        first, newline, rest = text.partition("\n")  # the tags go on the message's line, before any traceback
        return f"{first}  [request={request.request_id}{user}]{newline}{rest}"


class _ConduitHandler(logging.StreamHandler[TextIO]):
    """Ours, so that configuring again replaces it and leaves anyone else's handlers (pytest's) alone."""


def configure_logging(log_format: LogFormat = "auto", level: str = "INFO", stream: TextIO | None = None) -> None:
    """Route every logger (ours, uvicorn's, SQLAlchemy's) to one handler on the root logger. Idempotent."""
    stream = stream if stream is not None else sys.stderr
    use_json = log_format == "json" or (log_format == "auto" and not _is_terminal(stream))
    handler = _ConduitHandler(stream)
    handler.setFormatter(JsonFormatter() if use_json else ConsoleFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _ConduitHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def _utc_iso(timestamp: float) -> str:
    """`2016-02-18T03:22:56.637Z`, as the API's own timestamps."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except ValueError:  # closed
        return False
