import re
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from adapters.memory.store import InMemoryStore
from entrypoints.container import Container
from tests.builders import FixedClock, TickingClock
from tests.unit.http.api import BLANK, auth, register

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ARTICLE_NOT_FOUND = {"errors": {"article": ["not found"]}}
ARTICLE_FORBIDDEN = {"errors": {"article": ["forbidden"]}}
TOKEN_MISSING = {"errors": {"token": ["is missing"]}}
JSON = {"Content-Type": "application/json"}
LIST_ITEM_KEYS = {
    "slug",
    "title",
    "description",
    "tagList",
    "createdAt",
    "updatedAt",
    "favorited",
    "favoritesCount",
    "author",
}
EMPTY_PAGE = {"articles": [], "articlesCount": 0}


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


@pytest.fixture
def rosa(client: TestClient) -> str:
    return register(client, "rosa")


def new_article(**fields: Any) -> dict[str, Any]:
    article = {"title": "How to train your dragon", "description": "Ever wonder how?", "body": "You have to believe"}
    return {"article": {**article, **fields}}


def create(client: TestClient, token: str, **fields: Any) -> dict[str, Any]:
    """Create an article and return it (the `article` object of the answer)."""
    response = client.post("/api/articles", json=new_article(**fields), headers=auth(token))
    assert response.status_code == 201, response.text
    article: dict[str, Any] = response.json()["article"]
    return article


def profile(username: str, *, following: bool = False) -> dict[str, Any]:
    return {"username": username, "bio": None, "image": None, "following": following}


def slugs(response_json: dict[str, Any]) -> list[str]:
    return [item["slug"] for item in response_json["articles"]]


# POST /api/articles


def test_create_article_answers_201_with_the_article_envelope(client: TestClient, jake: str) -> None:
    response = client.post("/api/articles", json=new_article(tagList=["training", "dragons"]), headers=auth(jake))

    assert response.status_code == 201
    article = response.json()["article"]
    assert article == {
        "slug": article["slug"],
        "title": "How to train your dragon",
        "description": "Ever wonder how?",
        "body": "You have to believe",
        "tagList": ["dragons", "training"],
        "createdAt": article["createdAt"],
        "updatedAt": article["createdAt"],
        "favorited": False,
        "favoritesCount": 0,
        "author": profile("jake"),
    }
    assert re.fullmatch(r"how-to-train-your-dragon-[0-9a-f]{12}", article["slug"])
    assert TIMESTAMP.fullmatch(article["createdAt"])


def test_create_article_without_a_tag_list_gives_an_empty_one(client: TestClient, jake: str) -> None:
    article = create(client, jake)

    assert article["tagList"] == []


def test_create_article_twice_with_the_same_title_answers_201_with_distinct_slugs(
    client: TestClient, store: InMemoryStore, jake: str
) -> None:
    first = create(client, jake)

    second = create(client, jake)

    assert first["slug"] != second["slug"]
    assert len(store.articles) == 2


@pytest.mark.parametrize("field", ["title", "description", "body"])
@pytest.mark.parametrize("blank", ["", "   "])
def test_create_article_answers_422_cant_be_blank_for_a_blank_field(
    client: TestClient, store: InMemoryStore, jake: str, field: str, blank: str
) -> None:
    response = client.post("/api/articles", json=new_article(**{field: blank}), headers=auth(jake))

    assert response.status_code == 422
    assert response.json() == {"errors": {field: BLANK}}
    assert store.articles == {}


@pytest.mark.parametrize("field", ["title", "description", "body"])
def test_create_article_answers_422_cant_be_blank_for_a_missing_field(
    client: TestClient, jake: str, field: str
) -> None:
    payload = new_article()
    del payload["article"][field]

    response = client.post("/api/articles", json=payload, headers=auth(jake))

    assert response.status_code == 422
    assert response.json() == {"errors": {field: BLANK}}


def test_create_article_reports_every_blank_field_at_once(client: TestClient, jake: str) -> None:
    response = client.post("/api/articles", json=new_article(title="", description="", body=""), headers=auth(jake))

    assert response.status_code == 422
    assert response.json() == {"errors": {"title": BLANK, "description": BLANK, "body": BLANK}}


def test_create_article_answers_422_for_a_null_tag_list(client: TestClient, store: InMemoryStore, jake: str) -> None:
    response = client.post("/api/articles", json=new_article(tagList=None), headers=auth(jake))

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["tagList"]
    assert store.articles == {}


@pytest.mark.parametrize("payload", [new_article(), new_article(title=""), {}])
def test_create_article_answers_401_without_a_token_whatever_the_body(
    client: TestClient, store: InMemoryStore, payload: dict[str, Any]
) -> None:
    response = client.post("/api/articles", json=payload)

    assert response.status_code == 401
    assert response.json() == TOKEN_MISSING
    assert store.articles == {}


# GET /api/articles/:slug


def test_get_article_answers_200_with_the_article_without_a_token(client: TestClient, jake: str) -> None:
    created = create(client, jake, tagList=["dragons"])

    response = client.get(f"/api/articles/{created['slug']}")

    assert response.status_code == 200
    assert response.json() == {"article": created}


def test_get_article_accepts_a_json_content_type(client: TestClient, jake: str) -> None:
    created = create(client, jake)

    response = client.get(f"/api/articles/{created['slug']}", headers={**JSON, "X-Requested-With": "XMLHttpRequest"})

    assert response.status_code == 200
    assert response.json()["article"]["slug"] == created["slug"]


def test_get_article_shows_favorited_to_the_user_who_favorited(client: TestClient, jake: str, amy: str) -> None:
    slug = create(client, jake)["slug"]
    client.post(f"/api/articles/{slug}/favorite", headers=auth(amy))

    for_amy = client.get(f"/api/articles/{slug}", headers=auth(amy)).json()["article"]
    for_jake = client.get(f"/api/articles/{slug}", headers=auth(jake)).json()["article"]

    assert (for_amy["favorited"], for_amy["favoritesCount"]) == (True, 1)
    assert (for_jake["favorited"], for_jake["favoritesCount"]) == (False, 1)


def test_get_article_answers_404_for_an_unknown_slug(client: TestClient, jake: str) -> None:
    create(client, jake)

    response = client.get("/api/articles/no-such-article")

    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND


# PUT /api/articles/:slug


def test_update_article_answers_200_with_the_new_title_and_slug(client: TestClient, jake: str) -> None:
    created = create(client, jake)

    response = client.put(
        f"/api/articles/{created['slug']}", json={"article": {"title": "Did you train it?"}}, headers=auth(jake)
    )

    assert response.status_code == 200
    article = response.json()["article"]
    assert article["title"] == "Did you train it?"
    assert article["slug"] == "did-you-train-it-" + created["slug"][-12:]
    assert client.get(f"/api/articles/{article['slug']}").json() == {"article": article}
    assert client.get(f"/api/articles/{created['slug']}").status_code == 404


def test_update_article_changes_only_the_fields_given(client: TestClient, jake: str) -> None:
    created = create(client, jake, tagList=["dragons"])

    response = client.put(
        f"/api/articles/{created['slug']}", json={"article": {"body": "With love"}}, headers=auth(jake)
    )

    assert response.json()["article"] == {
        **created,
        "body": "With love",
        "updatedAt": response.json()["article"]["updatedAt"],
    }


def test_update_article_keeps_created_at_and_changes_updated_at(client: TestClient, jake: str) -> None:
    created = create(client, jake)

    article = client.put(
        f"/api/articles/{created['slug']}", json={"article": {"body": "new"}}, headers=auth(jake)
    ).json()["article"]

    assert article["createdAt"] == created["createdAt"]
    assert article["updatedAt"] != created["updatedAt"]
    assert TIMESTAMP.fullmatch(article["updatedAt"])
    assert article["updatedAt"] > article["createdAt"]


def test_update_article_changes_updated_at_even_in_the_same_millisecond(
    client: TestClient, container: Container, jake: str
) -> None:
    container.clock.override(providers.Object(FixedClock()))
    created = create(client, jake)

    article = client.put(
        f"/api/articles/{created['slug']}", json={"article": {"body": "new"}}, headers=auth(jake)
    ).json()["article"]

    assert (created["createdAt"], created["updatedAt"]) == ("2026-03-14T15:09:26.535Z", "2026-03-14T15:09:26.535Z")
    assert (article["createdAt"], article["updatedAt"]) == ("2026-03-14T15:09:26.535Z", "2026-03-14T15:09:26.536Z")


def test_update_article_keeps_the_tag_list_when_omitted(client: TestClient, jake: str) -> None:
    slug = create(client, jake, tagList=["training", "dragons"])["slug"]

    response = client.put(f"/api/articles/{slug}", json={"article": {"body": "new"}}, headers=auth(jake))

    assert response.json()["article"]["tagList"] == ["dragons", "training"]


def test_update_article_clears_the_tag_list_with_an_empty_one(client: TestClient, jake: str) -> None:
    slug = create(client, jake, tagList=["training", "dragons"])["slug"]

    response = client.put(f"/api/articles/{slug}", json={"article": {"tagList": []}}, headers=auth(jake))

    assert response.status_code == 200
    assert response.json()["article"]["tagList"] == []
    assert client.get(f"/api/articles/{slug}").json()["article"]["tagList"] == []


def test_update_article_replaces_the_tag_list_sorted(client: TestClient, jake: str) -> None:
    slug = create(client, jake, tagList=["dragons"])["slug"]

    response = client.put(
        f"/api/articles/{slug}", json={"article": {"tagList": ["zebra", "apple"]}}, headers=auth(jake)
    )

    assert response.json()["article"]["tagList"] == ["apple", "zebra"]


def test_update_article_answers_422_for_a_null_tag_list_and_keeps_the_tags(client: TestClient, jake: str) -> None:
    slug = create(client, jake, tagList=["dragons"])["slug"]

    response = client.put(f"/api/articles/{slug}", json={"article": {"tagList": None}}, headers=auth(jake))

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["tagList"]
    assert client.get(f"/api/articles/{slug}").json()["article"]["tagList"] == ["dragons"]


@pytest.mark.parametrize("field", ["title", "description", "body"])
@pytest.mark.parametrize("blank", ["", None])
def test_update_article_answers_422_cant_be_blank_for_a_blank_field(
    client: TestClient, jake: str, field: str, blank: str | None
) -> None:
    created = create(client, jake)

    response = client.put(f"/api/articles/{created['slug']}", json={"article": {field: blank}}, headers=auth(jake))

    assert response.status_code == 422
    assert response.json() == {"errors": {field: BLANK}}
    assert client.get(f"/api/articles/{created['slug']}").json() == {"article": created}


@pytest.mark.parametrize("slug_of", [lambda created: created["slug"], lambda _: "no-such-article"])
def test_update_article_answers_401_without_a_token_before_looking_the_article_up(
    client: TestClient, jake: str, slug_of: Any
) -> None:
    created = create(client, jake)

    response = client.put(f"/api/articles/{slug_of(created)}", json={"article": {"title": ""}})

    assert response.status_code == 401
    assert response.json() == TOKEN_MISSING


def test_update_article_answers_403_to_someone_else_and_changes_nothing(
    client: TestClient, jake: str, amy: str
) -> None:
    created = create(client, jake)

    response = client.put(f"/api/articles/{created['slug']}", json={"article": {"title": "Mine"}}, headers=auth(amy))

    assert response.status_code == 403
    assert response.json() == ARTICLE_FORBIDDEN
    assert client.get(f"/api/articles/{created['slug']}").json() == {"article": created}


def test_update_article_answers_404_for_an_unknown_slug(client: TestClient, jake: str) -> None:
    response = client.put("/api/articles/no-such-article", json={"article": {"title": "New"}}, headers=auth(jake))

    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND


# DELETE /api/articles/:slug


def test_delete_article_answers_204_with_an_empty_body(client: TestClient, store: InMemoryStore, jake: str) -> None:
    slug = create(client, jake)["slug"]

    response = client.delete(f"/api/articles/{slug}", headers={**auth(jake), **JSON})

    assert response.status_code == 204
    assert response.content == b""
    assert store.articles == {}
    assert client.get(f"/api/articles/{slug}").status_code == 404


def test_delete_article_removes_its_comments_and_favorites(
    client: TestClient, store: InMemoryStore, jake: str, amy: str
) -> None:
    doomed = create(client, jake)["slug"]
    kept = create(client, jake)["slug"]
    for slug in (doomed, kept):
        client.post(f"/api/articles/{slug}/comments", json={"comment": {"body": "hi"}}, headers=auth(amy))
        client.post(f"/api/articles/{slug}/favorite", headers=auth(amy))

    client.delete(f"/api/articles/{doomed}", headers=auth(jake))

    (kept_article,) = store.articles.values()
    assert kept_article.slug == kept
    assert [comment.article_id for comment in store.comments.values()] == [kept_article.id]
    assert [article_id for _, article_id in store.favorites] == [kept_article.id]


def test_delete_article_answers_401_without_a_token(client: TestClient, store: InMemoryStore, jake: str) -> None:
    slug = create(client, jake)["slug"]

    responses = [client.delete(f"/api/articles/{slug}"), client.delete("/api/articles/no-such-article")]

    assert [(r.status_code, r.json()) for r in responses] == [(401, TOKEN_MISSING), (401, TOKEN_MISSING)]
    assert len(store.articles) == 1


def test_delete_article_answers_403_to_someone_else(
    client: TestClient, store: InMemoryStore, jake: str, amy: str
) -> None:
    slug = create(client, jake)["slug"]

    response = client.delete(f"/api/articles/{slug}", headers=auth(amy))

    assert response.status_code == 403
    assert response.json() == ARTICLE_FORBIDDEN
    assert client.get(f"/api/articles/{slug}").status_code == 200


def test_delete_article_answers_404_for_an_unknown_slug(client: TestClient, jake: str) -> None:
    response = client.delete("/api/articles/no-such-article", headers=auth(jake))

    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND


# GET /api/articles


def test_list_articles_answers_the_envelope_newest_first_without_bodies(
    client: TestClient, jake: str, amy: str
) -> None:
    first = create(client, jake, title="First", tagList=["training", "dragons"])
    second = create(client, amy, title="Second")

    response = client.get("/api/articles")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"articles", "articlesCount"}
    assert body["articlesCount"] == 2
    assert slugs(body) == [second["slug"], first["slug"]]
    assert all(set(item) == LIST_ITEM_KEYS for item in body["articles"])
    assert body["articles"][1] == {key: value for key, value in first.items() if key != "body"}
    assert all(TIMESTAMP.fullmatch(item["createdAt"]) for item in body["articles"])


def test_list_articles_of_an_empty_site_is_an_empty_page(client: TestClient) -> None:
    response = client.get("/api/articles", headers=JSON)

    assert response.status_code == 200
    assert response.json() == EMPTY_PAGE


def test_list_articles_pages_with_limit_and_offset_and_counts_every_match(client: TestClient, jake: str) -> None:
    first = create(client, jake)["slug"]
    second = create(client, jake)["slug"]

    page_one = client.get("/api/articles", params={"author": "jake", "limit": 1}).json()
    page_two = client.get("/api/articles", params={"author": "jake", "limit": 1, "offset": 1}).json()
    past_end = client.get("/api/articles", params={"offset": 2}).json()

    assert (slugs(page_one), page_one["articlesCount"]) == ([second], 2)
    assert (slugs(page_two), page_two["articlesCount"]) == ([first], 2)
    assert past_end == {"articles": [], "articlesCount": 2}


@pytest.fixture
def library(client: TestClient, jake: str, amy: str, rosa: str) -> dict[str, str]:
    """Slugs of three articles, oldest first; amy favorites jake's two."""
    slugs = {
        "jake_dragons": create(client, jake, tagList=["training", "dragons"])["slug"],
        "amy_dragons": create(client, amy, tagList=["dragons"])["slug"],
        "jake_cats": create(client, jake, tagList=["cats"])["slug"],
    }
    for name in ("jake_dragons", "jake_cats"):
        client.post(f"/api/articles/{slugs[name]}/favorite", headers=auth(amy))
    return slugs


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag=dragons", ["amy_dragons", "jake_dragons"]),
        ("author=jake", ["jake_cats", "jake_dragons"]),
        ("favorited=amy", ["jake_cats", "jake_dragons"]),
        ("favorited=rosa", []),
        ("tag=dragons&author=jake", ["jake_dragons"]),
        ("tag=dragons&favorited=amy", ["jake_dragons"]),
        ("tag=cats&author=amy", []),
        ("tag=dragons&author=jake&favorited=amy", ["jake_dragons"]),
        ("author=johnjacob", []),
        ("favorited=johnjacob", []),
        ("tag=", ["jake_cats", "amy_dragons", "jake_dragons"]),
    ],
)
def test_list_articles_combines_the_filters(
    client: TestClient, library: dict[str, str], query: str, expected: list[str]
) -> None:
    response = client.get(f"/api/articles?{query}")

    assert response.status_code == 200
    assert slugs(response.json()) == [library[name] for name in expected]
    assert response.json()["articlesCount"] == len(expected)


def test_list_articles_by_tag_returns_the_tag_list_sorted(client: TestClient, library: dict[str, str]) -> None:
    body = client.get("/api/articles", params={"tag": "dragons"}).json()

    assert [item["tagList"] for item in body["articles"]] == [["dragons"], ["dragons", "training"]]


def test_list_articles_shows_the_viewer_their_favorites(client: TestClient, library: dict[str, str], amy: str) -> None:
    for_amy = client.get("/api/articles", headers=auth(amy)).json()["articles"]
    anonymous = client.get("/api/articles").json()["articles"]

    assert [(item["favorited"], item["favoritesCount"]) for item in for_amy] == [(True, 1), (False, 0), (True, 1)]
    assert [(item["favorited"], item["favoritesCount"]) for item in anonymous] == [(False, 1), (False, 0), (False, 1)]


@pytest.mark.parametrize("path", ["/api/articles", "/api/articles/feed"])
@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=101", "limit"), ("offset=-1", "offset"), ("limit=abc", "limit")],
)
def test_list_articles_answers_422_in_the_errors_shape_for_a_bad_window(
    client: TestClient, jake: str, path: str, query: str, field: str
) -> None:
    response = client.get(f"{path}?{query}", headers=auth(jake))

    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"errors"}
    assert list(body["errors"]) == [field]
    assert all(isinstance(message, str) and message for message in body["errors"][field])


@pytest.mark.parametrize("query", ["limit=1", "limit=100", "offset=0"])
def test_list_articles_accepts_the_window_bounds(client: TestClient, query: str) -> None:
    assert client.get(f"/api/articles?{query}").status_code == 200


# GET /api/articles/feed


def test_feed_answers_401_without_a_token(client: TestClient) -> None:
    response = client.get("/api/articles/feed")

    assert response.status_code == 401
    assert response.json() == TOKEN_MISSING


def test_feed_of_a_fresh_user_is_empty(client: TestClient, jake: str, amy: str) -> None:
    create(client, jake)

    response = client.get("/api/articles/feed", headers=auth(amy))

    assert response.status_code == 200
    assert response.json() == EMPTY_PAGE


def test_feed_gives_only_articles_by_followed_authors_marked_following(
    client: TestClient, jake: str, amy: str, rosa: str
) -> None:
    by_jake = create(client, jake, title="By jake")
    create(client, rosa, title="By rosa")
    create(client, amy, title="By amy")
    client.post("/api/profiles/jake/follow", headers=auth(amy))

    body = client.get("/api/articles/feed", headers=auth(amy)).json()

    assert body == {
        "articles": [
            {
                **{key: value for key, value in by_jake.items() if key != "body"},
                "author": profile("jake", following=True),
            }
        ],
        "articlesCount": 1,
    }


def test_feed_pages_newest_first_and_counts_every_match(client: TestClient, jake: str, amy: str) -> None:
    first = create(client, jake)["slug"]
    second = create(client, jake)["slug"]
    client.post("/api/profiles/jake/follow", headers=auth(amy))

    page_one = client.get("/api/articles/feed?limit=1", headers=auth(amy)).json()
    page_two = client.get("/api/articles/feed?limit=1&offset=1", headers=auth(amy)).json()

    assert (slugs(page_one), page_one["articlesCount"]) == ([second], 2)
    assert (slugs(page_two), page_two["articlesCount"]) == ([first], 2)


def test_feed_forgets_an_unfollowed_author(client: TestClient, jake: str, amy: str) -> None:
    create(client, jake)
    client.post("/api/profiles/jake/follow", headers=auth(amy))

    client.delete("/api/profiles/jake/follow", headers=auth(amy))

    assert client.get("/api/articles/feed", headers=auth(amy)).json() == EMPTY_PAGE


# POST/DELETE /api/articles/:slug/favorite


def test_favorite_answers_200_with_the_article_favorited(client: TestClient, jake: str, amy: str) -> None:
    created = create(client, jake)

    response = client.post(f"/api/articles/{created['slug']}/favorite", headers=auth(amy))

    assert response.status_code == 200
    assert response.json() == {"article": {**created, "favorited": True, "favoritesCount": 1}}


def test_favorite_accepts_a_json_content_type_without_a_body(client: TestClient, jake: str, amy: str) -> None:
    slug = create(client, jake)["slug"]

    response = client.post(
        f"/api/articles/{slug}/favorite", headers={**auth(amy), **JSON, "X-Requested-With": "XMLHttpRequest"}
    )

    assert response.status_code == 200
    assert response.json()["article"]["favorited"] is True


def test_favorite_counts_each_user_once(client: TestClient, store: InMemoryStore, jake: str, amy: str) -> None:
    slug = create(client, jake)["slug"]
    client.post(f"/api/articles/{slug}/favorite", headers=auth(amy))
    client.post(f"/api/articles/{slug}/favorite", headers=auth(amy))

    response = client.post(f"/api/articles/{slug}/favorite", headers=auth(jake))

    assert (response.json()["article"]["favorited"], response.json()["article"]["favoritesCount"]) == (True, 2)
    assert len(store.favorites) == 2


def test_unfavorite_answers_200_with_the_article_not_favorited(client: TestClient, jake: str, amy: str) -> None:
    created = create(client, jake)
    client.post(f"/api/articles/{created['slug']}/favorite", headers=auth(amy))

    response = client.delete(f"/api/articles/{created['slug']}/favorite", headers=auth(amy))

    assert response.status_code == 200
    assert response.json() == {"article": created}
    assert client.get("/api/articles?favorited=amy").json() == EMPTY_PAGE


def test_unfavorite_when_not_favorited_answers_200_and_keeps_the_others(
    client: TestClient, jake: str, amy: str
) -> None:
    slug = create(client, jake)["slug"]
    client.post(f"/api/articles/{slug}/favorite", headers=auth(jake))

    response = client.delete(f"/api/articles/{slug}/favorite", headers=auth(amy))

    assert response.status_code == 200
    assert (response.json()["article"]["favorited"], response.json()["article"]["favoritesCount"]) == (False, 1)


@pytest.mark.parametrize("method", ["post", "delete"])
def test_favorite_routes_answer_401_without_a_token(client: TestClient, jake: str, method: str) -> None:
    slug = create(client, jake)["slug"]

    responses = [client.request(method, f"/api/articles/{s}/favorite") for s in (slug, "no-such-article")]

    assert [(r.status_code, r.json()) for r in responses] == [(401, TOKEN_MISSING), (401, TOKEN_MISSING)]


@pytest.mark.parametrize("method", ["post", "delete"])
def test_favorite_routes_answer_404_for_an_unknown_slug(client: TestClient, amy: str, method: str) -> None:
    response = client.request(method, "/api/articles/no-such-article/favorite", headers=auth(amy))

    assert response.status_code == 404
    assert response.json() == ARTICLE_NOT_FOUND
