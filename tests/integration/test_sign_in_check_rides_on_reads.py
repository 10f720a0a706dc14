"""A signed-in request that only reads has its session check carried by its first read: one round trip, not two.

What must not change with it: a revoked sign-in (the password changed elsewhere, the account gone) gets its 401 on
every route, whether the read found rows, found nothing, or never happened; and nothing of the data goes out.
"""

import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, literal, literal_column, select, text

from adapters.security import Argon2PasswordHasher
from adapters.sqlalchemy.routing import CarriedCheck, DriverRead, ReadRouting
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

pytestmark = pytest.mark.integration
PASSWORD = "password123"


@dataclass
class Service:
    client: TestClient
    statements: list[str]

    def statements_of(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, list[str]]:
        self.statements.clear()
        response = self.client.request(method, path, headers=headers)
        return response.status_code, list(self.statements)


@pytest.fixture
def service(mappers: None, clean_database: Engine, migrated_database_url: str) -> Iterator[Service]:
    """The production wiring on the test database (no read replicas), every statement it runs recorded."""
    settings = Settings(_env_file=None, database_url=migrated_database_url, rate_limit_enabled=False)
    container = build_container(settings)
    container.password_hasher.override(providers.Object(Argon2PasswordHasher(memory_kib=1024, time_cost=1)))
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with TestClient(create_app(container, settings)) as client:
        event.listen(container.engine(), "before_cursor_execute", record)
        yield Service(client, statements)


def sign_up(client: TestClient, name: str) -> dict[str, str]:
    body = {"user": {"username": name, "email": f"{name}@example.com", "password": PASSWORD}}
    response = client.post("/api/users", json=body)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Token {response.json()['user']['token']}"}


def sign_in(client: TestClient, name: str) -> dict[str, str]:
    body = {"user": {"email": f"{name}@example.com", "password": PASSWORD}}
    response = client.post("/api/users/login", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Token {response.json()['user']['token']}"}


@dataclass(frozen=True)
class World:
    reader: dict[str, str]  # follows the author, favorited the article
    loner: dict[str, str]  # follows nobody: an empty feed
    slug: str


@pytest.fixture
def world(service: Service) -> World:
    client = service.client
    author, reader, loner = sign_up(client, "author"), sign_up(client, "reader"), sign_up(client, "loner")
    article = {"title": "Dragons", "description": "d", "body": "b", "tagList": ["dragons"]}
    created = client.post("/api/articles", json={"article": article}, headers=author)
    slug = created.json()["article"]["slug"]
    client.post(f"/api/articles/{slug}/comments", json={"comment": {"body": "Hi"}}, headers=author)
    assert client.post("/api/profiles/author/follow", headers=reader).status_code == 200
    assert client.post(f"/api/articles/{slug}/favorite", headers=reader).status_code == 200
    return World(reader, loner, slug)


def revoke_other_sessions(client: TestClient, name: str) -> dict[str, str]:
    """A second sign-in of `name`, then a password change from it: every earlier token of `name` is revoked."""
    other_device = sign_in(client, name)
    changed = client.put("/api/user", json={"user": {"password": "another-password"}}, headers=other_device)
    assert changed.status_code == 200, changed.text
    return {"Authorization": f"Token {changed.json()['user']['token']}"}


def reads(world: World) -> dict[str, str]:
    return {
        "list": "/api/articles",
        "list by tag": "/api/articles?tag=dragons",
        "feed": "/api/articles/feed",
        "one article": f"/api/articles/{world.slug}",
        "comments": f"/api/articles/{world.slug}/comments",
        "profile": "/api/profiles/author",
    }


def test_a_signed_in_read_costs_one_statement_which_carries_the_check(service: Service, world: World) -> None:
    for name, path in reads(world).items():
        status, statements = service.statements_of("GET", path, world.reader)

        assert status == 200, name
        assert len(statements) == 1, (name, statements)
        assert "session_accepted" in statements[0], name


def test_the_carried_check_does_not_change_the_answer(service: Service, world: World) -> None:
    client = service.client

    listed = client.get("/api/articles", headers=world.reader).json()
    feed = client.get("/api/articles/feed", headers=world.reader).json()
    profile = client.get("/api/profiles/author", headers=world.reader).json()

    assert listed["articlesCount"] == feed["articlesCount"] == 1
    for page in (listed, feed):
        assert set(page["articles"][0]) == {
            "slug", "title", "description", "tagList", "createdAt", "updatedAt", "favorited", "favoritesCount", "author"
        }  # fmt: skip
        assert (page["articles"][0]["favorited"], page["articles"][0]["author"]["following"]) == (True, True)
    assert profile == {"profile": {"username": "author", "bio": None, "image": None, "following": True}}


def test_a_read_that_finds_nothing_checks_alone(service: Service, world: World) -> None:
    empty_feed = service.statements_of("GET", "/api/articles/feed", world.loner)
    missing_article = service.statements_of("GET", "/api/articles/no-such-article", world.loner)

    assert (empty_feed[0], len(empty_feed[1])) == (200, 2)
    assert "session_accepted" in empty_feed[1][1]
    assert (missing_article[0], len(missing_article[1])) == (404, 2)


def test_a_request_that_writes_is_checked_before_it_writes(service: Service, world: World) -> None:
    status, statements = service.statements_of("POST", f"/api/articles/{world.slug}/favorite", world.loner)

    assert status == 200
    assert "session_accepted" not in statements[0]
    assert statements[0].lstrip().upper().startswith("SELECT")  # the check, on its own, before the first write


REVOKED_ROUTES = [
    "/api/articles",
    "/api/articles?tag=dragons",
    "/api/articles?tag=nothing-tagged-so",  # an empty page
    "/api/articles?tag=%01",  # refused input (422 when signed in): the 401 comes first
    "/api/articles/feed",
    "/api/articles/feed?limit=1&offset=5",  # past the end
    "/api/articles/{slug}",
    "/api/articles/no-such-article",
    "/api/articles/{slug}/comments",
    "/api/articles/no-such-article/comments",
    "/api/profiles/author",
    "/api/profiles/nobody",
    "/api/user",
]


@pytest.mark.parametrize("route", REVOKED_ROUTES)
def test_a_revoked_sign_in_is_refused_on_every_read(service: Service, world: World, route: str) -> None:
    path = route.format(slug=world.slug)
    revoke_other_sessions(service.client, "reader")

    response = service.client.get(path, headers=world.reader)

    assert response.status_code == 401, response.text
    assert response.json() == {"errors": {"token": ["is no longer valid"]}}


@pytest.mark.parametrize("route", ["/api/articles", "/api/articles/feed", "/api/profiles/nobody"])
def test_the_token_of_a_deleted_account_is_refused(
    service: Service, world: World, clean_database: Engine, route: str
) -> None:
    with clean_database.begin() as connection:
        connection.execute(text("DELETE FROM users WHERE username = 'loner'"))

    response = service.client.get(route, headers=world.loner)

    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["is invalid"]}}


def test_the_new_token_of_a_password_change_reads_as_before(service: Service, world: World) -> None:
    fresh = revoke_other_sessions(service.client, "reader")

    for name, path in reads(world).items():
        assert service.client.get(path, headers=fresh).status_code == 200, name


def test_a_check_rides_only_on_a_read_of_its_own_database(clean_database: Engine) -> None:
    """Set for one routing (one database), the check is not carried by another's read, nor by a second read."""
    carried = CarriedCheck(select(literal(True)).scalar_subquery(), name="checked")
    read = DriverRead(select(literal_column("1").label("one")))
    ours, theirs = ReadRouting(clean_database), ReadRouting(clean_database)
    settled: list[object] = []

    def request() -> tuple[list[Any], list[Any], list[Any]]:
        assert ours.check_with_next_read(carried, {}, settled.append)
        return theirs.fetch(read, {}), ours.fetch(read, {}), ours.fetch(read, {})

    other_database, first, second = contextvars.copy_context().run(request)

    assert [tuple(row) for row in other_database] == [(1,)]
    assert [tuple(row) for row in first] == [(1, True)]
    assert [tuple(row) for row in second] == [(1,)]
    assert settled == [True]
