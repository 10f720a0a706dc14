"""Log formats, the LOG_FORMAT / LOG_LEVEL settings, and the redaction safety net."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from entrypoints.logging import REDACTED, configure_logging, redact_secrets
from entrypoints.settings import Settings

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_have_the_time_in_utc_the_level_the_logger_and_the_message() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream)

    logging.getLogger("conduit.test").info("hello %s", "world")

    line = json.loads(stream.getvalue())
    assert line["message"] == "hello world"
    assert line["level"] == "INFO"
    assert line["logger"] == "conduit.test"
    assert line["time"].endswith("Z")
    assert "request_id" not in line  # outside a request


def test_auto_is_readable_on_a_terminal_and_json_elsewhere() -> None:
    terminal, pipe = Terminal(), io.StringIO()

    configure_logging("auto", "INFO", terminal)
    logging.getLogger("conduit.test").info("to a person")
    configure_logging("auto", "INFO", pipe)
    logging.getLogger("conduit.test").info("to a machine")

    assert "INFO" in terminal.getvalue()
    assert "to a person" in terminal.getvalue()
    with pytest.raises(json.JSONDecodeError):
        json.loads(terminal.getvalue())
    assert json.loads(pipe.getvalue())["message"] == "to a machine"


def test_console_can_be_forced_off_a_terminal() -> None:
    stream = io.StringIO()
    configure_logging("console", "INFO", stream)

    logging.getLogger("conduit.test").warning("careful")

    assert stream.getvalue().rstrip().endswith("careful")
    assert "WARNING" in stream.getvalue()


def test_configuring_again_replaces_our_handler_and_keeps_the_others() -> None:
    first, second = io.StringIO(), io.StringIO()
    others = logging.getLogger().handlers[:]

    configure_logging("json", "INFO", first)
    configure_logging("json", "INFO", second)
    logging.getLogger("conduit.test").info("once")

    assert first.getvalue() == ""
    assert len(second.getvalue().splitlines()) == 1
    assert logging.getLogger().handlers[: len(others)] == others


def test_the_level_filters_less_severe_lines() -> None:
    stream = io.StringIO()
    configure_logging("json", "WARNING", stream)

    logging.getLogger("conduit.test").info("hidden")
    logging.getLogger("conduit.test").warning("shown")

    assert [json.loads(line)["message"] for line in stream.getvalue().splitlines()] == ["shown"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"token {JWT} leaked", JWT),
        (f"header Authorization: Token {JWT[:40]}", JWT[:40]),
        ("Authorization: Bearer abcdefgh12345678", "abcdefgh12345678"),
        ("password=hunter2hunter2", "hunter2hunter2"),
        ('{"user": {"password": "hunter2hunter2"}}', "hunter2hunter2"),
        ('{\\"password\\": \\"hunter2hunter2\\"}', "hunter2hunter2"),
        ("postgresql://conduit:s3cr3t-pw@db:5432/conduit", "s3cr3t-pw"),
    ],
)
def test_secrets_are_redacted(text: str, secret: str) -> None:
    redacted = redact_secrets(text)

    assert secret not in redacted
    assert REDACTED in redacted


@pytest.mark.parametrize(
    "text", ["GET /api/articles/how-to-train-your-dragon 200", "token is missing", "Token has expired", "user jake"]
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact_secrets(text) == text


def test_redaction_covers_exceptions_too() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream)

    try:
        raise ValueError(f"bad token {JWT}")
    except ValueError:
        logging.getLogger("conduit.test").exception("failed")

    assert JWT not in stream.getvalue()
    assert "ValueError" in json.loads(stream.getvalue())["exception"]


def test_log_settings_default_to_auto_and_info() -> None:
    settings = Settings(_env_file=None)

    assert settings.log_format == "auto"
    assert settings.log_level == "INFO"


def test_log_settings_accept_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    monkeypatch.setenv("LOG_LEVEL", "debug")

    settings = Settings(_env_file=None)

    assert settings.log_format == "json"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(("name", "value"), [("LOG_FORMAT", "xml"), ("LOG_LEVEL", "chatty")])
def test_a_bad_log_setting_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(ValidationError, match=name.lower()):
        Settings(_env_file=None)
