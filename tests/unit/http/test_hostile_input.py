"""Hostile and malformed input over HTTP, on the in-memory adapters.

Whatever a client sends, the answer is a 4xx in the spec's `{"errors": {...}}` shape naming what is wrong, never a
5xx; text is stored and returned exactly as sent; strings shaped like SQL are data.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from adapters.memory.store import InMemoryStore
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.builders import PASSWORD
from tests.unit.http.api import auth, register

JSON = {"Content-Type": "application/json"}
EMPTY_PAGE = {"articles": [], "articlesCount": 0}
NOT_JSON_OBJECT = {"errors": {"body": ["must be a JSON object"]}}
INVALID_JSON = {"errors": {"body": ["is not valid JSON"]}}
SQL_INJECTIONS = ["' OR 1=1 --", '"; DROP TABLE users; --', "%' AND '1'='1", "1; SELECT pg_sleep(10)"]
TWO_MEGABYTES = 2 * 1024 * 1024


@pytest.fixture
def client(container: Container, settings: Settings, store: InMemoryStore) -> Iterator[TestClient]:
    """As conftest's, but a server error is answered (500), not raised into the test: the assertions show it."""
    with TestClient(create_app(container, settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def jake(client: TestClient) -> dict[str, str]:
    return auth(register(client, "jake"))


@pytest.fixture
def slug(client: TestClient, jake: dict[str, str]) -> str:
    slug: str = create_article(client, jake, title="Dragons", tagList=["dragons"])["slug"]
    return slug


def create_article(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    article = {"title": "How to train your dragon", "description": "Ever wonder how?", "body": "Believe", **fields}
    response = client.post("/api/articles", json={"article": article}, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()["article"]
    return created


def assert_errors(response: Response, status: int, *fields: str) -> dict[str, list[str]]:
    """The status, and a body in the spec's error shape naming (at least) `fields`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict), body
    assert set(body) == {"errors"}, body
    errors = body["errors"]
    assert isinstance(errors, dict), body
    assert errors, body
    for name, messages in errors.items():
        assert isinstance(name, str), body
        assert isinstance(messages, list), body
        assert messages, body
        assert all(isinstance(message, str) and message for message in messages), body
    for name in fields:
        assert name in errors, body
    return errors


# Every route that reads a JSON body, with a valid body for it.


@dataclass(frozen=True)
class BodyRoute:
    method: str
    url: str
    headers: dict[str, str]
    envelope: str
    fields: dict[str, Any]

    def send(self, client: TestClient, *, content: bytes | str, headers: dict[str, str] | None = None) -> Response:
        return client.request(self.method, self.url, content=content, headers={**self.headers, **(headers or {})})

    def send_json(self, client: TestClient, fields: dict[str, Any], *, ensure_ascii: bool = True) -> Response:
        body = json.dumps({self.envelope: fields}, ensure_ascii=ensure_ascii)
        return self.send(client, content=body.encode("utf-8", "surrogatepass"), headers=JSON)

    def valid_json(self) -> str:
        return json.dumps({self.envelope: self.fields})


BODY_ROUTES = [
    "POST /api/users",
    "POST /api/users/login",
    "PUT /api/user",
    "POST /api/articles",
    "PUT /api/articles/{slug}",
    "POST /api/articles/{slug}/comments",
]


@pytest.fixture
def body_routes(jake: dict[str, str], slug: str) -> dict[str, BodyRoute]:
    user = {"username": "amy", "email": "amy@example.com", "password": PASSWORD}
    article = {"title": "A title", "description": "A description", "body": "A body", "tagList": ["a"]}
    return {
        "POST /api/users": BodyRoute("POST", "/api/users", {}, "user", user),
        "POST /api/users/login": BodyRoute(
            "POST", "/api/users/login", {}, "user", {"email": "jake@jake.jake", "password": PASSWORD}
        ),
        "PUT /api/user": BodyRoute("PUT", "/api/user", jake, "user", {"bio": "I like dragons"}),
        "POST /api/articles": BodyRoute("POST", "/api/articles", jake, "article", article),
        "PUT /api/articles/{slug}": BodyRoute("PUT", f"/api/articles/{slug}", jake, "article", article),
        "POST /api/articles/{slug}/comments": BodyRoute(
            "POST", f"/api/articles/{slug}/comments", jake, "comment", {"body": "Nice"}
        ),
    }


@pytest.fixture(params=BODY_ROUTES)
def route(request: pytest.FixtureRequest, body_routes: dict[str, BodyRoute]) -> BodyRoute:
    return body_routes[request.param]


def test_every_body_route_accepts_its_valid_body(client: TestClient, route: BodyRoute) -> None:
    """The baseline of the tests below: the same request with a well-formed body succeeds."""
    response = route.send(client, content=route.valid_json(), headers=JSON)

    assert response.status_code in {200, 201}, response.text


# Malformed JSON


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(lambda valid: valid[: len(valid) // 2], id="truncated"),
        pytest.param(lambda valid: valid + " garbage", id="trailing-garbage"),
        pytest.param(lambda valid: valid + valid, id="two-documents"),
        pytest.param(lambda valid: valid.replace('"', "'"), id="single-quotes"),
        pytest.param(lambda valid: valid[:-1] + ",}", id="trailing-comma"),
        pytest.param(lambda valid: "{", id="lone-brace"),
    ],
)
def test_malformed_json_is_a_422_naming_the_body(client: TestClient, route: BodyRoute, content: Any) -> None:
    response = route.send(client, content=content(route.valid_json()), headers=JSON)

    assert_errors(response, 422, "body")
    assert response.json() == INVALID_JSON


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_not_json_and_are_a_422(client: TestClient, route: BodyRoute, literal: str) -> None:
    field = next(iter(route.fields))
    body = json.dumps({route.envelope: {**route.fields, field: "@@"}}).replace('"@@"', literal)

    response = route.send(client, content=body, headers=JSON)

    assert_errors(response, 422, "body")
    assert response.json() == INVALID_JSON


def test_an_empty_body_is_a_422(client: TestClient, route: BodyRoute) -> None:
    assert_errors(route.send(client, content=b"", headers=JSON), 422)


@pytest.mark.parametrize("where", ["top-level", "in-a-field"])
def test_json_nested_ten_thousand_deep_is_a_422_not_a_crash(client: TestClient, route: BodyRoute, where: str) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    field = next(iter(route.fields))
    body = deep if where == "top-level" else json.dumps({route.envelope: {field: "@@"}}).replace('"@@"', deep)

    response = route.send(client, content=body, headers=JSON)

    assert_errors(response, 422)


def test_a_body_that_is_not_utf8_is_a_422_not_valid_json(client: TestClient, route: BodyRoute) -> None:
    response = route.send(client, content=b'{"x": "\xff\xfe\xfa"}', headers=JSON)

    assert_errors(response, 422, "body")
    assert response.json() == INVALID_JSON


# Wrong content types: today a 422 `body must be a JSON object` (the body is not read as JSON at all).


@pytest.mark.parametrize("content_type", ["text/plain", "text/html; charset=utf-8", "application/xml"])
def test_a_json_body_sent_as_another_type_is_refused(client: TestClient, route: BodyRoute, content_type: str) -> None:
    response = route.send(client, content=route.valid_json(), headers={"Content-Type": content_type})

    assert_errors(response, 422, "body")
    assert response.json() == NOT_JSON_OBJECT


def test_a_form_encoded_body_is_refused(client: TestClient, route: BodyRoute) -> None:
    form = {f"{route.envelope}[{name}]": str(value) for name, value in route.fields.items()}

    response = client.request(route.method, route.url, data=form, headers=route.headers)

    assert_errors(response, 422, "body")
    assert response.json() == NOT_JSON_OBJECT


def test_a_multipart_body_is_refused(client: TestClient, route: BodyRoute) -> None:
    files = {route.envelope: ("body.json", route.valid_json(), "application/json")}

    response = client.request(route.method, route.url, files=files, headers=route.headers)

    assert_errors(response, 422, "body")
    assert response.json() == NOT_JSON_OBJECT


@pytest.mark.parametrize(
    "url", ["/api/articles/{slug}/favorite", "/api/profiles/amy/follow"], ids=["favorite", "follow"]
)
@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded"])
def test_routes_without_a_body_ignore_whatever_body_is_sent(
    client: TestClient, jake: dict[str, str], slug: str, url: str, content_type: str
) -> None:
    """Some clients send a Content-Type, even a body, on every request (the classic Postman suite does)."""
    register(client, "amy")

    response = client.post(url.format(slug=slug), content=b"{not json", headers={**jake, "Content-Type": content_type})

    assert response.status_code == 200, response.text


# Oversize bodies: refused with a 413 before they are parsed (a configurable limit; none exists yet).


def test_a_two_megabyte_body_is_a_413(client: TestClient, route: BodyRoute) -> None:
    field = next(iter(route.fields))

    response = route.send_json(client, {**route.fields, field: "x" * TWO_MEGABYTES})

    assert_errors(response, 413)


def test_a_two_megabyte_body_without_a_content_length_is_a_413(client: TestClient, jake: dict[str, str]) -> None:
    """Chunked: a limit that only reads the Content-Length header would let this one through."""
    article = json.dumps({"article": {"title": "t", "description": "d", "body": "x" * TWO_MEGABYTES}}).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(article), 64 * 1024):
            yield article[start : start + 64 * 1024]

    response = client.post("/api/articles", content=chunks(), headers={**jake, **JSON})

    assert "content-length" not in response.request.headers
    assert_errors(response, 413)


def test_a_two_megabyte_body_on_a_route_that_reads_none_is_a_413_too(
    client: TestClient, jake: dict[str, str], slug: str
) -> None:
    """The limit guards the server, not a schema: and its answer keeps the errors shape (no plain-text 413)."""
    response = client.post(f"/api/articles/{slug}/favorite", content=b"x" * TWO_MEGABYTES, headers=jake)

    assert_errors(response, 413)


def test_the_largest_valid_article_fits_under_the_body_limit_even_escaped(
    client: TestClient, jake: dict[str, str]
) -> None:
    """100,000 astral characters as JSON `\\ud83d\\udc09` escapes are 1.2 MB: the limit must leave room for them."""
    article = {
        "title": "🐉" * 255,
        "description": "🐉" * 1_000,
        "body": "🐉" * 100_000,
        "tagList": [f"{n:02d}" + "🐉" * 62 for n in range(20)],
    }
    body = json.dumps({"article": article}, ensure_ascii=True).encode()
    assert len(body) > 1_200_000

    response = client.post("/api/articles", content=body, headers={**jake, **JSON})

    assert response.status_code == 201, response.text[:500]
    assert response.json()["article"]["body"] == article["body"]


# Over-long fields: 422 naming the field and the maximum; the maximum itself is accepted.


@dataclass(frozen=True)
class Limit:
    route: str
    field: str
    maximum: int
    unit: str = "characters"

    def value(self, length: int) -> Any:
        if self.field == "email":
            return "a" * (length - len("@example.com")) + "@example.com"
        if self.field == "tagList":
            return ["t" * length] if self.unit == "characters" else [f"tag{n}" for n in range(length)]
        return "x" * length


LIMITS = [
    Limit("POST /api/users", "username", 64),
    Limit("POST /api/users", "email", 254),
    Limit("POST /api/users", "password", 256),
    Limit("PUT /api/user", "username", 64),
    Limit("PUT /api/user", "email", 254),
    Limit("PUT /api/user", "bio", 10_000),
    Limit("PUT /api/user", "image", 2_048),
    Limit("POST /api/articles", "title", 255),
    Limit("POST /api/articles", "description", 1_000),
    Limit("POST /api/articles", "body", 100_000),
    Limit("POST /api/articles", "tagList", 64),
    Limit("POST /api/articles", "tagList", 20, unit="tags"),
    Limit("PUT /api/articles/{slug}", "title", 255),
    Limit("PUT /api/articles/{slug}", "body", 100_000),
    Limit("PUT /api/articles/{slug}", "tagList", 64),
    Limit("PUT /api/articles/{slug}", "tagList", 20, unit="tags"),
    Limit("POST /api/articles/{slug}/comments", "body", 10_000),
]


@pytest.mark.parametrize("limit", LIMITS, ids=[f"{lim.route} {lim.field} {lim.unit}" for lim in LIMITS])
def test_a_field_over_its_maximum_is_a_422_saying_the_maximum(
    client: TestClient, body_routes: dict[str, BodyRoute], limit: Limit
) -> None:
    route = body_routes[limit.route]

    response = route.send_json(client, {**route.fields, limit.field: limit.value(limit.maximum + 1)})

    errors = assert_errors(response, 422, limit.field)
    assert errors == {limit.field: [errors[limit.field][0]]}
    message = errors[limit.field][0]
    assert "maximum" in message
    assert str(limit.maximum) in message
    assert limit.unit in message


@pytest.mark.parametrize("limit", LIMITS, ids=[f"{lim.route} {lim.field} {lim.unit}" for lim in LIMITS])
def test_a_field_at_its_maximum_is_accepted(
    client: TestClient, body_routes: dict[str, BodyRoute], limit: Limit
) -> None:
    route = body_routes[limit.route]

    response = route.send_json(client, {**route.fields, limit.field: limit.value(limit.maximum)})

    assert response.status_code in {200, 201}, response.text[:500]


# Unicode: accepted and returned exactly as sent (no normalization), in every text field.

UNICODE = {
    "emoji": "🐉🔥👩🏽‍💻",
    "rtl": "مرحبا-שלום",
    "combining": "e\u0301a\u0308Z\u0351\u0352",  # not NFC: must not come back as é, ä
    "full-width": "\uff26\uff55\uff4c\uff4c\uff0d\uff57\uff49\uff44\uff54\uff48",  # "Full-width" in full-width forms
    "astral": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢𓀀",
}


@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["escaped", "utf8"])
@pytest.mark.parametrize("text", UNICODE.values(), ids=UNICODE.keys())
def test_unicode_round_trips_exactly_through_every_user_field(
    client: TestClient, text: str, ensure_ascii: bool
) -> None:
    username, email, password = f"{text}user", f"{text}@例え.jp", f"{text} password"
    body = json.dumps({"user": {"username": username, "email": email, "password": password}}, ensure_ascii=ensure_ascii)

    registered = client.post("/api/users", content=body.encode(), headers=JSON)

    assert registered.status_code == 201, registered.text
    assert registered.json()["user"] | {"token": ""} == {
        "username": username,
        "email": email,
        "bio": None,
        "image": None,
        "token": "",
    }
    token = auth(registered.json()["user"]["token"])
    update = {"user": {"bio": f"{text}\nsecond line", "image": f"https://例え.jp/{text}.png"}}
    updated = client.put(
        "/api/user", content=json.dumps(update, ensure_ascii=ensure_ascii).encode(), headers={**token, **JSON}
    )
    assert updated.status_code == 200, updated.text
    me = client.get("/api/user", headers=token).json()["user"]
    assert (me["username"], me["email"], me["bio"], me["image"]) == (
        username,
        email,
        f"{text}\nsecond line",
        f"https://例え.jp/{text}.png",
    )
    profile = client.get(f"/api/profiles/{quote(username)}")
    assert profile.status_code == 200, profile.text
    assert profile.json()["profile"]["username"] == username
    login = client.post("/api/users/login", json={"user": {"email": email, "password": password}})
    assert login.status_code == 200, login.text
    assert login.json()["user"]["username"] == username


@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["escaped", "utf8"])
@pytest.mark.parametrize("text", UNICODE.values(), ids=UNICODE.keys())
def test_unicode_round_trips_exactly_through_every_article_and_comment_field(
    client: TestClient, jake: dict[str, str], text: str, ensure_ascii: bool
) -> None:
    article = {
        "title": f"{text} title",
        "description": f"{text} description",
        "body": f"{text}\n\n{text} body",
        "tagList": [text, f"{text}-tag"],
    }
    body = json.dumps({"article": article}, ensure_ascii=ensure_ascii).encode()

    created = client.post("/api/articles", content=body, headers={**jake, **JSON})

    assert created.status_code == 201, created.text
    slug = created.json()["article"]["slug"]
    fetched = client.get(f"/api/articles/{quote(slug)}").json()["article"]
    for answer in (created.json()["article"], fetched):
        assert answer["title"] == article["title"]
        assert answer["description"] == article["description"]
        assert answer["body"] == article["body"]
        assert answer["tagList"] == sorted(article["tagList"])
    by_tag = client.get("/api/articles", params={"tag": text}).json()
    assert [item["slug"] for item in by_tag["articles"]] == [slug]
    assert text in client.get("/api/tags").json()["tags"]
    comment = json.dumps({"comment": {"body": f"{text} comment"}}, ensure_ascii=ensure_ascii).encode()
    commented = client.post(f"/api/articles/{quote(slug)}/comments", content=comment, headers={**jake, **JSON})
    assert commented.status_code == 201, commented.text
    assert commented.json()["comment"]["body"] == f"{text} comment"
    comments = client.get(f"/api/articles/{quote(slug)}/comments").json()["comments"]
    assert [item["body"] for item in comments] == [f"{text} comment"]


def test_a_new_title_in_unicode_is_stored_exactly_on_update(
    client: TestClient, jake: dict[str, str], slug: str
) -> None:
    title = UNICODE["combining"] + UNICODE["rtl"]

    updated = client.put(f"/api/articles/{slug}", json={"article": {"title": title}}, headers=jake)

    assert updated.status_code == 200, updated.text
    new_slug = updated.json()["article"]["slug"]
    assert client.get(f"/api/articles/{quote(new_slug)}").json()["article"]["title"] == title


# Control characters: refused in single-line fields; NUL refused everywhere (PostgreSQL cannot store it in text).

SINGLE_LINE = [
    ("POST /api/users", "username"),
    ("POST /api/users", "email"),
    ("PUT /api/user", "username"),
    ("PUT /api/user", "email"),
    ("PUT /api/user", "image"),
    ("POST /api/articles", "title"),
    ("POST /api/articles", "tagList"),
    ("PUT /api/articles/{slug}", "title"),
    ("PUT /api/articles/{slug}", "tagList"),
]
MULTI_LINE = [
    ("PUT /api/user", "bio"),
    ("POST /api/articles", "description"),
    ("POST /api/articles", "body"),
    ("PUT /api/articles/{slug}", "description"),
    ("PUT /api/articles/{slug}", "body"),
    ("POST /api/articles/{slug}/comments", "body"),
]
SECRETS = [
    ("POST /api/users", "password"),
    ("PUT /api/user", "password"),
    ("POST /api/users/login", "email"),
    ("POST /api/users/login", "password"),
]


def with_character(route: BodyRoute, field: str, character: str) -> dict[str, Any]:
    """The route's valid body with `character` in the middle of `field`."""
    if field == "tagList":
        return {**route.fields, field: [f"dra{character}gons"]}
    if field == "email":
        return {**route.fields, field: f"ja{character}ke@example.com"}
    if field == "password":
        return {**route.fields, field: f"{PASSWORD}{character}{PASSWORD}"}
    return {**route.fields, field: f"some{character}text"}


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\t", "\n", "\r"], ids=repr)
@pytest.mark.parametrize(("route_name", "field"), SINGLE_LINE, ids=[" ".join(case) for case in SINGLE_LINE])
def test_control_characters_in_a_single_line_field_are_a_422(
    client: TestClient, body_routes: dict[str, BodyRoute], route_name: str, field: str, character: str
) -> None:
    route = body_routes[route_name]

    response = route.send_json(client, with_character(route, field, character))

    assert_errors(response, 422, field)


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b"], ids=repr)
@pytest.mark.parametrize(("route_name", "field"), MULTI_LINE, ids=[" ".join(case) for case in MULTI_LINE])
def test_control_characters_other_than_line_breaks_in_a_text_are_a_422(
    client: TestClient, body_routes: dict[str, BodyRoute], route_name: str, field: str, character: str
) -> None:
    route = body_routes[route_name]

    response = route.send_json(client, with_character(route, field, character))

    assert_errors(response, 422, field)


@pytest.mark.parametrize(("route_name", "field"), MULTI_LINE, ids=[" ".join(case) for case in MULTI_LINE])
def test_line_breaks_and_tabs_in_a_text_are_kept(
    client: TestClient, body_routes: dict[str, BodyRoute], route_name: str, field: str
) -> None:
    route = body_routes[route_name]
    text = "line one\r\nline two\n\tindented"

    response = route.send_json(client, {**route.fields, field: text})

    assert response.status_code in {200, 201}, response.text
    assert response.json()[route.envelope][field] == text


@pytest.mark.parametrize(("route_name", "field"), SECRETS, ids=[" ".join(case) for case in SECRETS])
def test_nul_in_a_password_or_a_login_is_a_422(
    client: TestClient, body_routes: dict[str, BodyRoute], route_name: str, field: str
) -> None:
    route = body_routes[route_name]

    response = route.send_json(client, with_character(route, field, "\x00"))

    assert_errors(response, 422, field)


@pytest.mark.parametrize("name", ["tag", "author", "favorited"])
def test_nul_in_a_filter_is_a_422_naming_it(client: TestClient, name: str) -> None:
    response = client.get("/api/articles", params={name: "jake\x00"})

    assert_errors(response, 422, name)


@pytest.mark.parametrize(
    ("method", "path", "resource"),
    [
        ("GET", "/api/profiles/{x}", "profile"),
        ("POST", "/api/profiles/{x}/follow", "profile"),
        ("DELETE", "/api/profiles/{x}/follow", "profile"),
        ("GET", "/api/articles/{x}", "article"),
        ("PUT", "/api/articles/{x}", "article"),
        ("DELETE", "/api/articles/{x}", "article"),
        ("POST", "/api/articles/{x}/favorite", "article"),
        ("DELETE", "/api/articles/{x}/favorite", "article"),
        ("GET", "/api/articles/{x}/comments", "article"),
        ("POST", "/api/articles/{x}/comments", "article"),
        ("DELETE", "/api/articles/{x}/comments/1", "article"),
    ],
)
def test_nul_in_a_path_is_a_404(
    client: TestClient, jake: dict[str, str], slug: str, method: str, path: str, resource: str
) -> None:
    """No profile or article can have such a name; the document lists no 422 for these paths."""
    body = {"article": {"title": "t"}} if method == "PUT" else {"comment": {"body": "b"}}
    url = path.format(x=quote(f"{slug}\x00", safe=""))

    response = client.request(method, url, json=body if method in {"PUT", "POST"} else None, headers=jake)

    assert_errors(response, 404, resource)


# Lone surrogates ("\ud800" as a JSON escape) are not text: no UTF-8 encoding, no PostgreSQL column can hold them.

SURROGATE_FIELDS = [
    ("POST /api/users", "username"),
    ("POST /api/users", "email"),
    ("POST /api/users", "password"),
    ("POST /api/users/login", "email"),
    ("POST /api/users/login", "password"),
    *SINGLE_LINE[2:],
    ("PUT /api/user", "password"),
    *MULTI_LINE,
]


@pytest.mark.parametrize(
    "surrogate", [chr(0xD800), chr(0xDFFF), chr(0xDC00) + chr(0xD800)], ids=["high", "low", "reversed-pair"]
)
@pytest.mark.parametrize(("route_name", "field"), SURROGATE_FIELDS, ids=[" ".join(c) for c in SURROGATE_FIELDS])
def test_a_lone_surrogate_in_any_text_field_is_a_422(
    client: TestClient, body_routes: dict[str, BodyRoute], route_name: str, field: str, surrogate: str
) -> None:
    route = body_routes[route_name]

    response = route.send_json(client, with_character(route, field, surrogate))

    assert_errors(response, 422, field)


def test_a_lone_surrogate_does_not_poison_the_lists(client: TestClient, jake: dict[str, str], slug: str) -> None:
    """Stored and then unserializable, one such title would make every list of articles a 500."""
    client.post(
        "/api/articles",
        content=b'{"article": {"title": "\\ud800", "description": "d", "body": "b"}}',
        headers={**jake, **JSON},
    )
    client.post(f"/api/articles/{slug}/comments", content=b'{"comment": {"body": "\\ud800"}}', headers={**jake, **JSON})

    assert client.get("/api/articles").status_code == 200
    assert client.get(f"/api/articles/{slug}/comments").status_code == 200
    assert client.get("/api/tags").status_code == 200


# limit and offset


@pytest.mark.parametrize(
    "value",
    ["0", "-1", "101", "abc", "1.5", "", "1e2", "0x10", str(10**30), str(-(10**30)), "\u0661\u0660"],  # Arabic-Indic 10
)
@pytest.mark.parametrize("url", ["/api/articles", "/api/articles/feed"])
def test_a_limit_out_of_range_or_not_a_number_is_a_422_naming_it(
    client: TestClient, jake: dict[str, str], url: str, value: str
) -> None:
    response = client.get(url, params={"limit": value}, headers=jake)

    assert_errors(response, 422, "limit")


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "", str(2**31), str(10**30), str(-(10**30))])
@pytest.mark.parametrize("url", ["/api/articles", "/api/articles/feed"])
def test_an_offset_out_of_range_or_not_a_number_is_a_422_naming_it(
    client: TestClient, jake: dict[str, str], url: str, value: str
) -> None:
    response = client.get(url, params={"offset": value}, headers=jake)

    assert_errors(response, 422, "offset")


@pytest.mark.parametrize(("limit", "offset"), [("1", "0"), ("100", str(2**31 - 1))])
def test_the_extremes_of_limit_and_offset_are_accepted(
    client: TestClient, jake: dict[str, str], slug: str, limit: str, offset: str
) -> None:
    for url in ("/api/articles", "/api/articles/feed"):
        response = client.get(url, params={"limit": limit, "offset": offset}, headers=jake)
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", str(2**63), str(10**30)])
def test_a_comment_id_out_of_range_or_not_a_number_is_a_422_naming_it(
    client: TestClient, jake: dict[str, str], slug: str, value: str
) -> None:
    response = client.delete(f"/api/articles/{slug}/comments/{value}", headers=jake)

    assert_errors(response, 422, "comment_id")


# SQL-shaped strings are data


@pytest.fixture
def seeded(client: TestClient, jake: dict[str, str]) -> list[str]:
    """Two articles, one favorited, that a filter bypassed by injection would return."""
    amy = auth(register(client, "amy"))
    slugs = [create_article(client, jake, tagList=["dragons"])["slug"], create_article(client, amy)["slug"]]
    assert client.post(f"/api/articles/{slugs[0]}/favorite", headers=amy).status_code == 200
    return slugs


@pytest.mark.parametrize("injection", SQL_INJECTIONS)
@pytest.mark.parametrize("name", ["tag", "author", "favorited"])
def test_sql_shaped_filters_match_nothing(client: TestClient, seeded: list[str], name: str, injection: str) -> None:
    response = client.get("/api/articles", params={name: injection})

    assert response.status_code == 200, response.text
    assert response.json() == EMPTY_PAGE


@pytest.mark.parametrize("injection", SQL_INJECTIONS)
@pytest.mark.parametrize(
    ("method", "path", "resource"),
    [
        ("GET", "/api/profiles/{x}", "profile"),
        ("POST", "/api/profiles/{x}/follow", "profile"),
        ("DELETE", "/api/profiles/{x}/follow", "profile"),
        ("GET", "/api/articles/{x}", "article"),
        ("DELETE", "/api/articles/{x}", "article"),
        ("POST", "/api/articles/{x}/favorite", "article"),
        ("DELETE", "/api/articles/{x}/favorite", "article"),
        ("GET", "/api/articles/{x}/comments", "article"),
        ("DELETE", "/api/articles/{x}/comments/1", "article"),
    ],
)
def test_sql_shaped_path_segments_are_not_found(
    client: TestClient, jake: dict[str, str], seeded: list[str], method: str, path: str, resource: str, injection: str
) -> None:
    response = client.request(method, path.format(x=quote(injection, safe="")), headers=jake)

    assert_errors(response, 404, resource)
    assert response.json() == {"errors": {resource: ["not found"]}}
    assert client.get("/api/articles").json()["articlesCount"] == 2


@pytest.mark.parametrize("injection", SQL_INJECTIONS)
def test_sql_shaped_text_is_stored_and_found_as_written(
    client: TestClient, jake: dict[str, str], seeded: list[str], injection: str
) -> None:
    article = create_article(client, jake, title=injection, description=injection, body=injection, tagList=[injection])

    assert (article["title"], article["description"], article["body"]) == (injection, injection, injection)
    assert article["tagList"] == [injection]
    found = client.get("/api/articles", params={"tag": injection}).json()
    assert [item["slug"] for item in found["articles"]] == [article["slug"]]
    comment = client.post(
        f"/api/articles/{article['slug']}/comments", json={"comment": {"body": injection}}, headers=jake
    )
    assert comment.json()["comment"]["body"] == injection
    updated = client.put("/api/user", json={"user": {"bio": injection}}, headers=jake)
    assert updated.json()["user"]["bio"] == injection


def test_a_sql_shaped_username_is_a_name_like_any_other(client: TestClient, seeded: list[str]) -> None:
    username = "'OR'1'='1'--"
    token = auth(register(client, username))
    slug = create_article(client, token)["slug"]

    assert client.get(f"/api/profiles/{quote(username)}").json()["profile"]["username"] == username
    by_author = client.get("/api/articles", params={"author": username}).json()
    assert [item["slug"] for item in by_author["articles"]] == [slug]
    assert client.get("/api/articles", params={"favorited": username}).json() == EMPTY_PAGE


# Duplicate keys, and values of the wrong JSON type


def test_duplicate_keys_in_a_body_are_a_422(client: TestClient) -> None:
    """Two parsers may keep different values (a proxy the first, the app the last): refuse to guess."""
    body = b'{"user": {"username": "amy", "username": "admin", "email": "amy@example.com", "password": "password123"}}'

    response = client.post("/api/users", content=body, headers=JSON)

    assert_errors(response, 422)
    assert client.get("/api/profiles/admin").status_code == 404


def test_duplicate_envelopes_in_a_body_are_a_422(client: TestClient, jake: dict[str, str], slug: str) -> None:
    body = b'{"comment": {"body": "first"}, "comment": {"body": "second"}}'

    response = client.post(f"/api/articles/{slug}/comments", content=body, headers={**jake, **JSON})

    assert_errors(response, 422)


STRING_FIELDS = [
    ("POST /api/users", "username", True),
    ("POST /api/users", "email", True),
    ("POST /api/users", "password", True),
    ("POST /api/users/login", "email", True),
    ("POST /api/users/login", "password", True),
    ("PUT /api/user", "username", True),
    ("PUT /api/user", "email", True),
    ("PUT /api/user", "password", True),
    ("PUT /api/user", "bio", False),  # null clears it
    ("PUT /api/user", "image", False),
    ("POST /api/articles", "title", True),
    ("POST /api/articles", "description", True),
    ("POST /api/articles", "body", True),
    ("PUT /api/articles/{slug}", "title", True),
    ("PUT /api/articles/{slug}", "description", True),
    ("PUT /api/articles/{slug}", "body", True),
    ("POST /api/articles/{slug}/comments", "body", True),
]
WRONG_TYPES = {"null": None, "integer": 12, "float": 1.5, "true": True, "array": ["text"], "object": {"a": "text"}}


@pytest.mark.parametrize("kind", WRONG_TYPES)
@pytest.mark.parametrize(
    ("route_name", "field", "null_refused"), STRING_FIELDS, ids=[f"{r} {f}" for r, f, _ in STRING_FIELDS]
)
def test_a_non_string_where_a_string_is_expected_is_a_422_naming_the_field(
    client: TestClient, body_routes: dict[str, BodyRoute], route_name: str, field: str, null_refused: bool, kind: str
) -> None:
    route = body_routes[route_name]

    response = route.send_json(client, {**route.fields, field: WRONG_TYPES[kind]})

    if kind == "null" and not null_refused:
        assert response.status_code == 200, response.text
        assert response.json()["user"][field] is None
    else:
        assert_errors(response, 422, field)


@pytest.mark.parametrize("value", [None, "dragons", 12, {"a": "b"}, [12], [None], [["nested"]], [{"a": "b"}]])
@pytest.mark.parametrize("route_name", ["POST /api/articles", "PUT /api/articles/{slug}"])
def test_a_tag_list_that_is_not_a_list_of_strings_is_a_422(
    client: TestClient, body_routes: dict[str, BodyRoute], route_name: str, value: Any
) -> None:
    route = body_routes[route_name]

    response = route.send_json(client, {**route.fields, "tagList": value})

    assert_errors(response, 422, "tagList")


@pytest.mark.parametrize("envelope", [None, "text", 12, [], ["a"], True])
def test_an_envelope_that_is_not_an_object_is_a_422_naming_it(
    client: TestClient, route: BodyRoute, envelope: Any
) -> None:
    response = route.send(client, content=json.dumps({route.envelope: envelope}), headers=JSON)

    assert_errors(response, 422, route.envelope)


@pytest.mark.parametrize("document", ["[]", '"text"', "12", "null", "true"])
def test_a_body_that_is_not_an_object_is_a_422(client: TestClient, route: BodyRoute, document: str) -> None:
    assert_errors(route.send(client, content=document, headers=JSON), 422)
