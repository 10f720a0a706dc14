"""Strict JSON request bodies: UTF-8 only, no NaN/Infinity, no duplicate keys, bounded nesting.

Python's parser accepts duplicate keys (the last one wins: `{"username":"amy","username":"admin"}` would register
`admin`) and NaN, and fails with an unexpected error on invalid UTF-8 or very deep nesting. Every such body is
refused the way FastAPI refuses malformed JSON: a 422 on `body`.
"""

import json
from typing import Any

from fastapi import Request

DUPLICATE_KEY = "duplicate key"


def parse_json(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise json.JSONDecodeError("not UTF-8", "", exc.start) from exc
    try:
        return json.loads(text, object_pairs_hook=_object_without_duplicate_keys, parse_constant=_no_constants)
    except RecursionError as exc:
        raise json.JSONDecodeError("nested too deeply", text, 0) from exc


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise json.JSONDecodeError(f"{DUPLICATE_KEY} {key!r}", "", 0)
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a JSON number", "", 0)


class StrictJsonRequest(Request):
    """A request whose JSON body is parsed by `parse_json` (routing.ApiRoute hands endpoints these)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json
