"""Hostile input through the real PostgreSQL adapters: what the in-memory store takes in its stride can still break
a driver or a column (NUL bytes, lone surrogates, lengths, SQL-shaped text).

Every answer must be a 4xx in the `{"errors": {...}}` shape or a success, never a 5xx; SQL-shaped text must come
back exactly as written, and match only itself.
"""

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, func, select

from adapters.security import Argon2PasswordHasher
from adapters.sqlalchemy.tables import articles, comments, users
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.builders import PASSWORD

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}
EMPTY_PAGE = {"articles": [], "articlesCount": 0}
SQL_INJECTIONS = [
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    "%' AND '1'='1",
    "'); DELETE FROM articles; --",
    "1; SELECT pg_sleep(10)",
    "$$ OR $$1$$=$$1",
    "\\'; --",
]
LIKE_PATTERNS = ["%", "_", "j%", "ja_e", "%dragons%"]  # must match literally, never as LIKE patterns
SURROGATES = [chr(0xD800), chr(0xDFFF), chr(0xDC00) + chr(0xD800)]


@pytest.fixture
def client(mappers: None, clean_database: Engine, migrated_database_url: str) -> Iterator[TestClient]:
    """The production wiring on the test database (a cheap hasher); server errors are answered, not raised."""
    settings = Settings(_env_file=None, database_url=migrated_database_url)
    container = build_container(settings)
    container.password_hasher.override(providers.Object(Argon2PasswordHasher(memory_kib=1024, time_cost=1)))
    with TestClient(create_app(container, settings), raise_server_exceptions=False) as client:
        yield client


def register(client: TestClient, username: str, email: str | None = None) -> dict[str, str]:
    body = {"user": {"username": username, "email": email or f"{username}@example.com", "password": PASSWORD}}
    response = client.post("/api/users", json=body)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Token {response.json()['user']['token']}"}


def create_article(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    article = {"title": "How to train your dragon", "description": "Ever wonder how?", "body": "Believe", **fields}
    response = client.post("/api/articles", json={"article": article}, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()["article"]
    return created


@pytest.fixture
def jake(client: TestClient) -> dict[str, str]:
    return register(client, "jake")


@pytest.fixture
def slug(client: TestClient, jake: dict[str, str]) -> str:
    """Two articles, one by another author and favorited, that a filter bypassed by injection would return."""
    amy = register(client, "amy")
    mine: str = create_article(client, jake, tagList=["dragons"])["slug"]
    theirs = create_article(client, amy, tagList=["training"])["slug"]
    assert client.post(f"/api/articles/{theirs}/favorite", headers=jake).status_code == 200
    return mine


def assert_refused(response: Response, status: int, field: str) -> None:
    assert response.status_code < 500, f"{response.status_code}: {response.text}"
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert field in errors, response.text
    assert all(isinstance(messages, list) and messages for messages in errors.values()), response.text


def send_json(client: TestClient, method: str, url: str, body: dict[str, Any], headers: dict[str, str]) -> Response:
    """`ensure_ascii`: a lone surrogate travels as a `\\ud800` escape, as any JSON encoder may send it."""
    return client.request(method, url, content=json.dumps(body, ensure_ascii=True), headers={**headers, **JSON})


# Every text field of every body, with the body around it.
TEXT_FIELDS = [
    ("POST", "/api/users", "user", "username"),
    ("POST", "/api/users", "user", "email"),
    ("POST", "/api/users", "user", "password"),
    ("POST", "/api/users/login", "user", "email"),
    ("POST", "/api/users/login", "user", "password"),
    ("PUT", "/api/user", "user", "username"),
    ("PUT", "/api/user", "user", "email"),
    ("PUT", "/api/user", "user", "password"),
    ("PUT", "/api/user", "user", "bio"),
    ("PUT", "/api/user", "user", "image"),
    ("POST", "/api/articles", "article", "title"),
    ("POST", "/api/articles", "article", "description"),
    ("POST", "/api/articles", "article", "body"),
    ("POST", "/api/articles", "article", "tagList"),
    ("PUT", "/api/articles/{slug}", "article", "title"),
    ("PUT", "/api/articles/{slug}", "article", "description"),
    ("PUT", "/api/articles/{slug}", "article", "body"),
    ("PUT", "/api/articles/{slug}", "article", "tagList"),
    ("POST", "/api/articles/{slug}/comments", "comment", "body"),
]
VALID = {
    "/api/users": {"username": "rosa", "email": "rosa@example.com", "password": PASSWORD},
    "/api/users/login": {"email": "jake@example.com", "password": PASSWORD},
    "/api/user": {},
    "/api/articles": {"title": "A title", "description": "A description", "body": "A body"},
    "/api/articles/{slug}": {},
    "/api/articles/{slug}/comments": {"body": "Nice"},
}


def with_text(field: str, text: str) -> Any:
    if field == "tagList":
        return [f"dra{text}gons"]
    if field == "email":
        return f"ro{text}sa@example.com"
    if field == "password":
        return f"{PASSWORD}{text}{PASSWORD}"
    return f"some{text}text"


IDS = [f"{method} {path} {field}" for method, path, _, field in TEXT_FIELDS]


@pytest.mark.parametrize(("method", "path", "envelope", "field"), TEXT_FIELDS, ids=IDS)
def test_nul_in_any_text_field_is_a_422_not_a_database_error(
    client: TestClient, jake: dict[str, str], slug: str, method: str, path: str, envelope: str, field: str
) -> None:
    fields = {**VALID[path], field: with_text(field, "\x00")}

    response = send_json(client, method, path.format(slug=slug), {envelope: fields}, jake)

    assert_refused(response, 422, field)


@pytest.mark.parametrize("surrogate", SURROGATES, ids=["high", "low", "reversed-pair"])
@pytest.mark.parametrize(("method", "path", "envelope", "field"), TEXT_FIELDS, ids=IDS)
def test_a_lone_surrogate_in_any_text_field_is_a_422_not_an_encoding_error(
    client: TestClient,
    jake: dict[str, str],
    slug: str,
    method: str,
    path: str,
    envelope: str,
    field: str,
    surrogate: str,
) -> None:
    fields = {**VALID[path], field: with_text(field, surrogate)}

    response = send_json(client, method, path.format(slug=slug), {envelope: fields}, jake)

    assert_refused(response, 422, field)
    assert client.get("/api/articles").status_code == 200
    assert client.get(f"/api/articles/{slug}/comments").status_code == 200


@pytest.mark.parametrize("name", ["tag", "author", "favorited"])
def test_nul_in_a_filter_is_a_422_not_a_database_error(client: TestClient, slug: str, name: str) -> None:
    response = client.get("/api/articles", params={name: "jake\x00"})

    assert_refused(response, 422, name)


PATHS = [
    ("GET", "/api/profiles/{x}", "profile"),
    ("POST", "/api/profiles/{x}/follow", "profile"),
    ("DELETE", "/api/profiles/{x}/follow", "profile"),
    ("GET", "/api/articles/{x}", "article"),
    ("DELETE", "/api/articles/{x}", "article"),
    ("POST", "/api/articles/{x}/favorite", "article"),
    ("DELETE", "/api/articles/{x}/favorite", "article"),
    ("GET", "/api/articles/{x}/comments", "article"),
    ("DELETE", "/api/articles/{x}/comments/1", "article"),
]


@pytest.mark.parametrize(
    "segment",
    ["%00", "jake%00", "%ED%A0%80", "%FF%FE", quote("🐉" * 2_000), "x" * 10_000],
    ids=["nul", "trailing-nul", "encoded-surrogate", "invalid-utf8", "long-astral", "long"],
)
@pytest.mark.parametrize(("method", "path", "resource"), PATHS, ids=[f"{m} {p}" for m, p, _ in PATHS])
def test_a_hostile_path_segment_is_a_404_not_a_database_error(
    client: TestClient, jake: dict[str, str], slug: str, method: str, path: str, resource: str, segment: str
) -> None:
    response = client.request(method, path.format(x=segment), headers=jake)

    assert_refused(response, 404, resource)


@pytest.mark.parametrize("length", [65, 1_000, 5_000])
@pytest.mark.parametrize("name", ["tag", "author", "favorited"])
def test_a_very_long_filter_matches_nothing(client: TestClient, slug: str, name: str, length: int) -> None:
    response = client.get("/api/articles", params={name: "🐉" * length})

    assert response.status_code == 200, response.text
    assert response.json() == EMPTY_PAGE


# Lengths: the domain's limits hold in the columns too (a maximum-length value in 4-byte characters is stored
# whole, one character more is a 422, never a database error).

LIMITS = [
    ("POST", "/api/users", "user", "username", 64),
    ("POST", "/api/users", "user", "email", 254),
    ("POST", "/api/users", "user", "password", 256),
    ("PUT", "/api/user", "user", "bio", 10_000),
    ("PUT", "/api/user", "user", "image", 2_048),
    ("POST", "/api/articles", "article", "title", 255),
    ("POST", "/api/articles", "article", "description", 1_000),
    ("POST", "/api/articles", "article", "body", 100_000),
    ("POST", "/api/articles", "article", "tagList", 64),
    ("PUT", "/api/articles/{slug}", "article", "title", 255),
    ("POST", "/api/articles/{slug}/comments", "comment", "body", 10_000),
]


def of_length(field: str, length: int) -> Any:
    if field == "email":
        return "🐉" * (length - len("@example.com")) + "@example.com"
    if field == "tagList":
        return ["🐉" * length]
    return "🐉" * length


@pytest.mark.parametrize(
    ("method", "path", "envelope", "field", "maximum"), LIMITS, ids=[f"{m} {p} {f}" for m, p, _, f, _ in LIMITS]
)
def test_maximum_lengths_in_four_byte_characters_are_stored_whole(
    client: TestClient,
    jake: dict[str, str],
    slug: str,
    method: str,
    path: str,
    envelope: str,
    field: str,
    maximum: int,
) -> None:
    url = path.format(slug=slug)

    accepted = send_json(client, method, url, {envelope: {**VALID[path], field: of_length(field, maximum)}}, jake)
    assert accepted.status_code in {200, 201}, accepted.text[:500]
    if method == "PUT" and envelope == "article":  # a new title moved the slug
        url = f"/api/articles/{accepted.json()['article']['slug']}"
    refused = send_json(client, method, url, {envelope: {**VALID[path], field: of_length(field, maximum + 1)}}, jake)

    if field != "password":
        assert accepted.json()[envelope][field] == of_length(field, maximum)
    assert_refused(refused, 422, field)


def test_twenty_tags_of_the_maximum_length_are_stored_and_found(client: TestClient, jake: dict[str, str]) -> None:
    tags = sorted(f"{n:02d}" + "🐉" * 62 for n in range(20))

    article = create_article(client, jake, tagList=tags)

    assert article["tagList"] == tags
    for tag in (tags[0], tags[-1]):
        found = client.get("/api/articles", params={"tag": tag}).json()
        assert [item["slug"] for item in found["articles"]] == [article["slug"]]


# SQL-shaped strings are data


@pytest.mark.parametrize("name", ["tag", "author", "favorited"])
def test_sql_shaped_filters_match_nothing(client: TestClient, slug: str, name: str) -> None:
    answers = {text: client.get("/api/articles", params={name: text}) for text in SQL_INJECTIONS + LIKE_PATTERNS}

    wrong = {text: f"{r.status_code} {r.text[:200]}" for text, r in answers.items() if r.status_code != 200}
    assert not wrong
    assert {text: r.json() for text, r in answers.items()} == dict.fromkeys(answers, EMPTY_PAGE)


@pytest.mark.parametrize(("method", "path", "resource"), PATHS, ids=[f"{m} {p}" for m, p, _ in PATHS])
def test_sql_shaped_path_segments_are_not_found(
    client: TestClient, jake: dict[str, str], slug: str, method: str, path: str, resource: str
) -> None:
    answers = {
        text: client.request(method, path.format(x=quote(text, safe="")), headers=jake)
        for text in SQL_INJECTIONS + LIKE_PATTERNS
    }

    not_found = {"errors": {resource: ["not found"]}}
    wrong = {text: f"{r.status_code} {r.text[:200]}" for text, r in answers.items() if r.status_code != 404}
    assert not wrong
    assert {text: r.json() for text, r in answers.items()} == dict.fromkeys(answers, not_found)
    assert client.get("/api/articles").json()["articlesCount"] == 2


@pytest.mark.parametrize("text", SQL_INJECTIONS + LIKE_PATTERNS)
def test_sql_shaped_text_round_trips_exactly_and_matches_only_itself(
    client: TestClient, clean_database: Engine, jake: dict[str, str], slug: str, text: str
) -> None:
    article = create_article(client, jake, title=f"{text} title", description=text, body=text, tagList=[text])
    comment = client.post(f"/api/articles/{article['slug']}/comments", json={"comment": {"body": text}}, headers=jake)
    bio = client.put("/api/user", json={"user": {"bio": text, "image": f"https://example.com/{text}"}}, headers=jake)

    assert comment.status_code == 201, comment.text
    assert bio.status_code == 200, bio.text
    fetched = client.get(f"/api/articles/{article['slug']}").json()["article"]
    assert (fetched["title"], fetched["description"], fetched["body"]) == (f"{text} title", text, text)
    assert fetched["tagList"] == [text]
    by_tag = client.get("/api/articles", params={"tag": text}).json()
    assert [item["slug"] for item in by_tag["articles"]] == [article["slug"]]
    assert [c["body"] for c in client.get(f"/api/articles/{article['slug']}/comments").json()["comments"]] == [text]
    me = client.get("/api/user", headers=jake).json()["user"]
    assert (me["bio"], me["image"]) == (text, f"https://example.com/{text}")
    assert text in client.get("/api/tags").json()["tags"]
    with clean_database.connect() as connection:  # nothing was dropped or deleted on the way
        counts = [connection.scalar(select(func.count()).select_from(table)) for table in (users, articles, comments)]
    assert counts == [2, 3, 1]


@pytest.mark.parametrize(
    "username", ["'OR'1'='1'--", '";DROP-TABLE-users;--', "%'AND'1'='1", "j%", "ja_e", "robert');DROP"]
)
def test_a_sql_shaped_username_is_a_name_like_any_other(client: TestClient, slug: str, username: str) -> None:
    email = f"{username}@example.com"
    token = register(client, username, email)
    mine = create_article(client, token)["slug"]

    profile = client.get(f"/api/profiles/{quote(username, safe='')}")
    assert profile.status_code == 200, profile.text
    assert profile.json()["profile"]["username"] == username
    by_author = client.get("/api/articles", params={"author": username}).json()
    assert [item["slug"] for item in by_author["articles"]] == [mine]
    assert client.get("/api/articles", params={"favorited": username}).json() == EMPTY_PAGE
    login = client.post("/api/users/login", json={"user": {"email": email.upper(), "password": PASSWORD}})
    assert login.status_code == 200, login.text
    assert login.json()["user"]["username"] == username
    follow = client.post(f"/api/profiles/{quote(username, safe='')}/follow", headers=register(client, "rosa"))
    assert follow.status_code == 200, follow.text


# Unicode through the driver: stored and returned exactly, never normalized.


@pytest.mark.parametrize(
    "text",
    ["🐉🔥👩🏽‍💻", "مرحبا-שלום", "e\u0301a\u0308Z\u0351\u0352", "\uff26\uff55\uff4c\uff4c", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢𓀀"],
    ids=["emoji", "rtl", "combining", "full-width", "astral"],
)
def test_unicode_round_trips_exactly_through_postgres(client: TestClient, text: str) -> None:
    token = register(client, f"{text}user", f"{text}@例え.jp")
    article = create_article(client, token, title=text, description=text, body=text, tagList=[text])

    fetched = client.get(f"/api/articles/{quote(article['slug'])}").json()["article"]
    assert (fetched["title"], fetched["description"], fetched["body"], fetched["tagList"]) == (text, text, text, [text])
    assert fetched["author"]["username"] == f"{text}user"
    by_author = client.get("/api/articles", params={"author": f"{text}user", "tag": text}).json()
    assert [item["slug"] for item in by_author["articles"]] == [article["slug"]]
    login = client.post("/api/users/login", json={"user": {"email": f"{text}@例え.jp", "password": PASSWORD}})
    assert login.status_code == 200, login.text
