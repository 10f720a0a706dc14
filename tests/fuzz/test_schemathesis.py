"""Schemathesis over every operation of the app's own OpenAPI document, anonymous and signed in.

The app runs in-process (schemathesis' ASGI transport) on the in-memory adapters, seeded with users, articles and
comments; about half the generated cases use a seeded slug, username, comment id or filter value, so the fuzzer also
reaches the paths behind "found". Operations that document a 422 get schema-violating (negative) cases too.

Every response must: not be a 5xx, carry a status code the document lists for the operation, have the documented
content type, and match the documented body schema. Generation is derandomized and the example database is off, so
each CI run sends exactly the same cases.
"""

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from dependency_injector import providers
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode, checks

from adapters.security import Argon2PasswordHasher
from entrypoints.container import build_container, use_memory_adapters
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

pytestmark = pytest.mark.fuzz
Operation = APIOperation[Any, Any, Any, Any]

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
# Cases per operation and identity. Anonymous cases on a route that requires a token all end in the same 401, so
# the signed-in pass gets the larger share there; every operation with inputs gets at least 300 cases in total.
EXAMPLES = 300
EXAMPLES_ANONYMOUS_ON_PROTECTED = 100
PASSWORD = "correct horse battery"
SEED_USERS = ("fuzzer", "alice", "bob")  # the signed-in identity is "fuzzer"
SEED_TAGS = ("dragons", "training", "ünïcödé", "' OR 1=1 --")


def _app() -> FastAPI:
    """As tests/unit/http/conftest.py builds it: the real container, a cheap hasher, the in-memory adapters."""
    # Hundreds of cases per operation from one address: with the rate limit on, login and registration would answer
    # 429 after the first few and the fuzzer would reach their validation no more (the limit: test_rate_limit.py).
    app_settings = Settings(_env_file=None, database_url=None, rate_limit_enabled=False)
    container = build_container(app_settings)
    container.password_hasher.override(providers.Object(Argon2PasswordHasher(memory_kib=1024, time_cost=1)))
    use_memory_adapters(container)
    return create_app(container, app_settings)


def _operations() -> list[tuple[str, str, bool]]:
    """(method, path, requires a token) for every operation of the document."""
    document = _app().openapi()
    return [
        (method.upper(), path, operation.get("security") == [{"Token": []}])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


OPERATIONS = _operations()


@dataclass
class World:
    """The seeded app, and values that exist in it (for path parameters and filters)."""

    app: FastAPI
    token: str
    slugs: list[str] = field(default_factory=list)
    comment_ids: list[int] = field(default_factory=list)
    usernames: list[str] = field(default_factory=lambda: list(SEED_USERS))
    tags: list[str] = field(default_factory=lambda: list(SEED_TAGS))


def _seed(app: FastAPI, client: TestClient) -> World:
    tokens = {}
    for username in SEED_USERS:
        body = {"user": {"username": username, "email": f"{username}@example.com", "password": PASSWORD}}
        response = client.post("/api/users", json=body)
        assert response.status_code == 201, response.text
        tokens[username] = {"Authorization": f"Token {response.json()['user']['token']}"}
    world = World(app=app, token=tokens["fuzzer"]["Authorization"])
    assert client.post("/api/profiles/alice/follow", headers=tokens["fuzzer"]).status_code == 200
    for index, (author, tag) in enumerate(itertools.product(SEED_USERS, SEED_TAGS)):
        article = {"title": f"Article {index} by {author}", "description": "d", "body": "b", "tagList": [tag]}
        response = client.post("/api/articles", json={"article": article}, headers=tokens[author])
        assert response.status_code == 201, response.text
        slug = response.json()["article"]["slug"]
        world.slugs.append(slug)
        for commenter in SEED_USERS:
            comment = {"comment": {"body": f"{commenter} on {slug}"}}
            response = client.post(f"/api/articles/{slug}/comments", json=comment, headers=tokens[commenter])
            assert response.status_code == 201, response.text
            world.comment_ids.append(response.json()["comment"]["id"])
        favorite = client.post(f"/api/articles/{slug}/favorite", headers=tokens[SEED_USERS[index % 3]])
        assert favorite.status_code == 200, favorite.text
    return world


@pytest.fixture
def world() -> World:
    """A fresh seeded app per test: what one operation's cases delete or change does not starve the next one."""
    app = _app()
    with TestClient(app) as client:
        return _seed(app, client)


def _known_path_parameters(world: World, path: str) -> list[dict[str, Any]]:
    pools: dict[str, list[Any]] = {"slug": world.slugs, "username": world.usernames, "comment_id": world.comment_ids}
    names = [name for name in pools if f"{{{name}}}" in path]
    if not names:
        return []
    if names == ["slug", "comment_id"]:  # every seeded comment id on articles of each author
        return [
            {"slug": slug, "comment_id": comment_id} for slug in world.slugs[::3] for comment_id in world.comment_ids
        ]
    return [dict(zip(names, values, strict=True)) for values in zip(*(pools[name] for name in names), strict=False)]


def _known_queries(world: World, method: str, path: str) -> list[dict[str, Any]]:
    """Filters that match seeded articles: for the list only (POST /api/articles has no query)."""
    if (method.upper(), path) != ("GET", "/api/articles"):
        return []
    return [
        *({"tag": tag} for tag in world.tags),
        *({"author": name} for name in world.usernames),
        *({"favorited": name} for name in world.usernames),
        {"author": "alice", "tag": "dragons"},
    ]


def _strategy(world: World, operation: Operation) -> st.SearchStrategy[Case[Operation]]:
    """Generated cases, and as many again using values that exist in the seeded app."""
    modes = [GenerationMode.POSITIVE]
    if "422" in operation.definition.raw.get("responses", {}):  # the document says input can be refused
        modes.append(GenerationMode.NEGATIVE)
    generated = st.one_of([operation.as_strategy(mode) for mode in modes])
    # With real path parameters only a body can still be made invalid.
    body_modes = modes if "requestBody" in operation.definition.raw else [GenerationMode.POSITIVE]
    known = [
        *(
            operation.as_strategy(mode, path_parameters=values)
            for values in _known_path_parameters(world, operation.path)
            for mode in body_modes
        ),
        *(
            operation.as_strategy(GenerationMode.POSITIVE, query=q)
            for q in _known_queries(world, operation.method, operation.path)
        ),
    ]
    return st.one_of(generated, st.one_of(known)) if known else generated


def _has_inputs(operation: Operation) -> bool:
    raw = operation.definition.raw
    return bool(raw.get("parameters")) or "requestBody" in raw


@pytest.mark.parametrize("identity", ["anonymous", "signed_in"])
@pytest.mark.parametrize(
    ("method", "path", "protected"), OPERATIONS, ids=[f"{method} {path}" for method, path, _ in OPERATIONS]
)
def test_every_response_is_documented_and_never_a_server_error(
    world: World, method: str, path: str, protected: bool, identity: str
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    operation = schema[path][method]
    signed_in = identity == "signed_in"
    examples = EXAMPLES_ANONYMOUS_ON_PROTECTED if protected and not signed_in else EXAMPLES
    token = {"Authorization": world.token}
    sent: list[int] = []

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(case=_strategy(world, operation))
    def fuzz(case: Case[Operation]) -> None:
        if case.headers is not None:
            case.headers.pop("Authorization", None)  # schemathesis may make one up for the security scheme
        response = case.call_and_validate(headers=token if signed_in else None, checks=CHECKS)
        sent.append(response.status_code)
        if signed_in and (method, path) == ("PUT", "/api/user") and response.status_code == 200:
            token["Authorization"] = f"Token {response.json()['user']['token']}"  # a password change may revoke the old

    fuzz()
    assert len(sent) >= (examples if _has_inputs(operation) else 1), f"only {len(sent)} cases were sent"
    if signed_in and (_known_path_parameters(world, path) or _known_queries(world, method, path)):
        assert any(200 <= status < 300 for status in sent), f"no case reached a seeded resource: {sorted(set(sent))}"
