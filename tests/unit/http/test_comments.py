import re
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from adapters.memory.store import InMemoryStore
from entrypoints.container import Container
from tests.builders import TickingClock
from tests.unit.http.api import BLANK, auth, register

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ARTICLE_NOT_FOUND = {"errors": {"article": ["not found"]}}
COMMENT_NOT_FOUND = {"errors": {"comment": ["not found"]}}
COMMENT_FORBIDDEN = {"errors": {"comment": ["forbidden"]}}
TOKEN_MISSING = {"errors": {"token": ["is missing"]}}
JSON = {"Content-Type": "application/json"}


@pytest.fixture(autouse=True)
def clock(container: Container) -> TickingClock:
    """Every write a second after the previous one, so "newest first" is well defined."""
    clock = TickingClock()
    container.clock.override(providers.Object(clock))
    return clock


@pytest.fixture
def jake(client: TestClient) -> str:
    return register(client, "jake")


@pytest.fixture
def amy(client: TestClient) -> str:
    return register(client, "amy")


def create_article(client: TestClient, token: str, title: str = "How to train your dragon") -> str:
    article = {"title": title, "description": "Ever wonder how?", "body": "You have to believe"}
    response = client.post("/api/articles", json={"article": article}, headers=auth(token))
    assert response.status_code == 201, response.text
    slug: str = response.json()["article"]["slug"]
    return slug


@pytest.fixture
def slug(client: TestClient, jake: str) -> str:
    """Jake's article."""
    return create_article(client, jake)


def comment_on(client: TestClient, slug: str, token: str, body: str = "Thank you so much!") -> dict[str, Any]:
    response = client.post(f"/api/articles/{slug}/comments", json={"comment": {"body": body}}, headers=auth(token))
    assert response.status_code == 201, response.text
    comment: dict[str, Any] = response.json()["comment"]
    return comment


def profile(username: str, *, following: bool = False) -> dict[str, Any]:
    return {"username": username, "bio": None, "image": None, "following": following}


# POST /api/articles/:slug/comments


def test_add_comment_answers_201_with_the_comment_envelope(client: TestClient, slug: str, amy: str) -> None:
    response = client.post(
        f"/api/articles/{slug}/comments", json={"comment": {"body": "Thank you so much!"}}, headers=auth(amy)
    )

    assert response.status_code == 201
    comment = response.json()["comment"]
    assert comment == {
        "id": comment["id"],
        "createdAt": comment["createdAt"],
        "updatedAt": comment["createdAt"],
        "body": "Thank you so much!",
        "author": profile("amy"),
    }
    assert type(comment["id"]) is int
    assert TIMESTAMP.fullmatch(comment["createdAt"])


def test_add_comment_gives_each_comment_its_own_id(client: TestClient, slug: str, amy: str) -> None:
    ids = [comment_on(client, slug, amy, body=f"comment {n}")["id"] for n in range(3)]

    assert len(set(ids)) == 3


@pytest.mark.parametrize("payload", [{"comment": {"body": ""}}, {"comment": {"body": "  "}}, {"comment": {}}])
def test_add_comment_answers_422_cant_be_blank_for_a_blank_body(
    client: TestClient, store: InMemoryStore, slug: str, amy: str, payload: dict[str, Any]
) -> None:
    response = client.post(f"/api/articles/{slug}/comments", json=payload, headers=auth(amy))

    assert response.status_code == 422
    assert response.json() == {"errors": {"body": BLANK}}
    assert store.comments == {}


def test_add_comment_answers_401_without_a_token_before_looking_the_article_up(
    client: TestClient, store: InMemoryStore, slug: str
) -> None:
    responses = [
        client.post(f"/api/articles/{s}/comments", json={"comment": {"body": "hi"}}) for s in (slug, "no-such-article")
    ]

    assert [(r.status_code, r.json()) for r in responses] == [(401, TOKEN_MISSING), (401, TOKEN_MISSING)]
    assert store.comments == {}


def test_add_comment_answers_404_for_an_unknown_slug(client: TestClient, store: InMemoryStore, amy: str) -> None:
    response = client.post(
        "/api/articles/no-such-article/comments", json={"comment": {"body": "hi"}}, headers=auth(amy)
    )

    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND
    assert store.comments == {}


# GET /api/articles/:slug/comments


def test_list_comments_answers_200_with_the_comments_newest_first(
    client: TestClient, slug: str, jake: str, amy: str
) -> None:
    first = comment_on(client, slug, amy, body="first")
    second = comment_on(client, slug, jake, body="second")
    comment_on(client, create_article(client, jake, title="Elsewhere"), amy, body="elsewhere")

    response = client.get(f"/api/articles/{slug}/comments", headers=JSON)

    assert response.status_code == 200
    assert response.json() == {"comments": [second, first]}


def test_list_comments_of_an_article_without_comments_is_empty(client: TestClient, slug: str) -> None:
    response = client.get(f"/api/articles/{slug}/comments")

    assert response.status_code == 200
    assert response.json() == {"comments": []}


def test_list_comments_shows_following_to_a_signed_in_follower(
    client: TestClient, slug: str, jake: str, amy: str
) -> None:
    comment_on(client, slug, amy)
    client.post("/api/profiles/amy/follow", headers=auth(jake))

    for_jake = client.get(f"/api/articles/{slug}/comments", headers=auth(jake)).json()["comments"]
    anonymous = client.get(f"/api/articles/{slug}/comments").json()["comments"]

    assert [comment["author"] for comment in for_jake] == [profile("amy", following=True)]
    assert [comment["author"] for comment in anonymous] == [profile("amy")]


def test_list_comments_answers_404_for_an_unknown_slug(client: TestClient, slug: str) -> None:
    response = client.get("/api/articles/no-such-article/comments")

    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND


# DELETE /api/articles/:slug/comments/:id


def test_delete_comment_answers_204_with_an_empty_body_and_removes_only_it(
    client: TestClient, slug: str, amy: str
) -> None:
    doomed = comment_on(client, slug, amy, body="oops")
    kept = comment_on(client, slug, amy, body="keep me")

    response = client.delete(f"/api/articles/{slug}/comments/{doomed['id']}", headers={**auth(amy), **JSON})

    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"/api/articles/{slug}/comments").json() == {"comments": [kept]}


def test_delete_comment_answers_401_without_a_token(
    client: TestClient, store: InMemoryStore, slug: str, amy: str
) -> None:
    comment = comment_on(client, slug, amy)

    responses = [
        client.delete(f"/api/articles/{slug}/comments/{comment['id']}"),
        client.delete(f"/api/articles/no-such-article/comments/{comment['id']}"),
        client.delete(f"/api/articles/{slug}/comments/999999"),
    ]

    assert [(r.status_code, r.json()) for r in responses] == [(401, TOKEN_MISSING)] * 3
    assert len(store.comments) == 1


def test_delete_comment_answers_403_to_anyone_but_its_author_even_the_article_author(
    client: TestClient, store: InMemoryStore, slug: str, jake: str, amy: str
) -> None:
    comment = comment_on(client, slug, amy)

    response = client.delete(f"/api/articles/{slug}/comments/{comment['id']}", headers=auth(jake))

    assert response.status_code == 403
    assert response.json() == COMMENT_FORBIDDEN
    assert client.get(f"/api/articles/{slug}/comments").json() == {"comments": [comment]}


def test_delete_comment_answers_404_comment_for_an_unknown_id(client: TestClient, slug: str, amy: str) -> None:
    comment = comment_on(client, slug, amy)

    response = client.delete(f"/api/articles/{slug}/comments/{comment['id'] + 1000}", headers=auth(amy))

    assert response.status_code == 404
    assert response.json() == COMMENT_NOT_FOUND


def test_delete_comment_answers_404_comment_for_a_comment_of_another_article(
    client: TestClient, store: InMemoryStore, slug: str, jake: str, amy: str
) -> None:
    elsewhere = comment_on(client, create_article(client, jake, title="Elsewhere"), amy)

    response = client.delete(f"/api/articles/{slug}/comments/{elsewhere['id']}", headers=auth(amy))

    assert response.status_code == 404
    assert response.json() == COMMENT_NOT_FOUND
    assert len(store.comments) == 1


def test_delete_comment_answers_404_article_for_an_unknown_slug(client: TestClient, slug: str, amy: str) -> None:
    comment = comment_on(client, slug, amy)

    response = client.delete(f"/api/articles/no-such-article/comments/{comment['id']}", headers=auth(amy))

    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND


@pytest.mark.parametrize("comment_id", ["abc", "0", "-1", "1.5"])
def test_delete_comment_answers_422_for_an_id_that_is_not_a_positive_integer(
    client: TestClient, slug: str, amy: str, comment_id: str
) -> None:
    response = client.delete(f"/api/articles/{slug}/comments/{comment_id}", headers=auth(amy))

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["comment_id"]
