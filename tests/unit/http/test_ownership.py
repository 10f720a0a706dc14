"""Every write endpoint, walked as a second user: what belongs to someone else is refused (403) and left exactly as
it was; what a user may do to shared things (favorite, follow) changes only their own flags; `PUT /api/user` only
ever changes the caller.

Jake owns an article with tags, a comment on it and a favorite of it, and follows Rosa; Amy is the second user.
"What everybody sees" (the world) is read back through the API, anonymously and as each user.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from entrypoints.container import Container
from tests.builders import PASSWORD, TickingClock
from tests.unit.http.api import auth, register

ARTICLE_FORBIDDEN = {"errors": {"article": ["forbidden"]}}
COMMENT_FORBIDDEN = {"errors": {"comment": ["forbidden"]}}
COMMENT_NOT_FOUND = {"errors": {"comment": ["not found"]}}
TAKEN = ["has already been taken"]

# Every write of the API, by what guards it. A new write route must be added here (see the first test).
OWNER_ONLY = {
    "PUT /api/articles/{slug}",
    "DELETE /api/articles/{slug}",
    "DELETE /api/articles/{slug}/comments/{comment_id}",
}
CALLERS_OWN = {  # acts on the caller's own account, flags or new content only
    "POST /api/users",
    "POST /api/users/login",
    "PUT /api/user",
    "POST /api/articles",
    "POST /api/articles/{slug}/comments",
    "POST /api/articles/{slug}/favorite",
    "DELETE /api/articles/{slug}/favorite",
    "POST /api/profiles/{username}/follow",
    "DELETE /api/profiles/{username}/follow",
}


@dataclass(frozen=True)
class World:
    jake: str  # tokens
    amy: str
    rosa: str
    slug: str  # Jake's article
    comment_id: int  # Jake's comment on it
    amys_comment_id: int  # Amy's comment on it


@pytest.fixture(autouse=True)
def clock(container: Container) -> TickingClock:
    """Every write a second after the previous one: a write that happened would show in `updatedAt`."""
    clock = TickingClock()
    container.clock.override(providers.Object(clock))
    return clock


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


@pytest.fixture
def world(client: TestClient) -> World:
    jake, amy, rosa = register(client, "jake"), register(client, "amy"), register(client, "rosa")
    article = {"title": "Jake's dragons", "description": "Mine", "body": "All mine", "tagList": ["dragons", "mine"]}
    slug = ok(client.post("/api/articles", json={"article": article}, headers=auth(jake)), 201)["article"]["slug"]
    comments = f"/api/articles/{slug}/comments"
    comment_id = ok(client.post(comments, json={"comment": {"body": "Jake's"}}, headers=auth(jake)), 201)
    amys_comment_id = ok(client.post(comments, json={"comment": {"body": "Amy's"}}, headers=auth(amy)), 201)
    ok(client.post(f"/api/articles/{slug}/favorite", headers=auth(jake)))
    ok(client.post("/api/profiles/rosa/follow", headers=auth(jake)))
    return World(jake, amy, rosa, slug, comment_id["comment"]["id"], amys_comment_id["comment"]["id"])


def seen(client: TestClient, world: World) -> dict[str, Any]:
    """Everything the API shows about the world: anonymously, and as each user."""
    snapshot: dict[str, Any] = {}
    for viewer, token in {"anonymous": None, "jake": world.jake, "amy": world.amy, "rosa": world.rosa}.items():
        headers = auth(token) if token else {}
        snapshot[viewer] = {
            "article": client.get(f"/api/articles/{world.slug}", headers=headers).json(),
            "comments": client.get(f"/api/articles/{world.slug}/comments", headers=headers).json(),
            "articles": client.get("/api/articles", headers=headers).json(),
            "tags": client.get("/api/tags").json(),
            "profiles": {
                name: client.get(f"/api/profiles/{name}", headers=headers).json() for name in ("jake", "amy", "rosa")
            },
        }
        if token:
            snapshot[viewer]["user"] = client.get("/api/user", headers=headers).json()
            snapshot[viewer]["feed"] = client.get("/api/articles/feed", headers=headers).json()
    return snapshot


def test_every_write_route_is_classified_by_who_may_use_it(client: TestClient) -> None:
    """A new write route fails here until it says whether it is owner-only (and gets a case below)."""
    document = client.get("/openapi.json").json()

    writes = {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        if path.startswith("/api/")
        for method in operations
        if method != "get"
    }

    assert writes == OWNER_ONLY | CALLERS_OWN


# --- owner-only writes: 403, and nothing changed -------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    route: str  # the operation, as OWNER_ONLY names it
    token: str
    path: str
    body: dict[str, Any] | None = None

    @property
    def method(self) -> str:
        return self.route.split()[0]


ARTICLE, COMMENT = "/api/articles/{slug}", "/api/articles/{slug}/comments/{comment_id}"
FULL_EDIT = {"article": {"title": "Amy's now", "description": "d", "body": "b", "tagList": []}}
# Every owner-only write, aimed at what is not the caller's: (caller, route, body, the error it must get).
ATTEMPTS: dict[str, tuple[str, str, dict[str, Any] | None, dict[str, Any]]] = {
    "amy edits every field of jake's article": ("amy", f"PUT {ARTICLE}", FULL_EDIT, ARTICLE_FORBIDDEN),
    "amy edits the body of jake's article": ("amy", f"PUT {ARTICLE}", {"article": {"body": "Amy"}}, ARTICLE_FORBIDDEN),
    "amy clears the tags of jake's article": ("amy", f"PUT {ARTICLE}", {"article": {"tagList": []}}, ARTICLE_FORBIDDEN),
    "amy sends jake's article an edit of nothing": ("amy", f"PUT {ARTICLE}", {"article": {}}, ARTICLE_FORBIDDEN),
    "amy deletes jake's article": ("amy", f"DELETE {ARTICLE}", None, ARTICLE_FORBIDDEN),
    "amy deletes jake's comment": ("amy", f"DELETE {COMMENT}", None, COMMENT_FORBIDDEN),
    # Owning the article does not make its comments yours.
    "jake deletes amy's comment on his article": ("jake", f"DELETE {COMMENT}", None, COMMENT_FORBIDDEN),
}


def attempt(world: World, case: str) -> Attempt:
    """The case on this world: the article is Jake's; the comment is the one that is not the caller's."""
    caller, route, body, _ = ATTEMPTS[case]
    token, comment_id = (world.jake, world.amys_comment_id) if caller == "jake" else (world.amy, world.comment_id)
    path = route.split()[1].replace("{slug}", world.slug).replace("{comment_id}", str(comment_id))
    return Attempt(route, token, path, body)


def test_every_owner_only_route_is_walked() -> None:
    assert {route for _, route, _, _ in ATTEMPTS.values()} == OWNER_ONLY


@pytest.mark.parametrize("case", ATTEMPTS)
def test_a_write_on_someone_elses_resource_is_403_and_changes_nothing(
    client: TestClient, world: World, case: str
) -> None:
    attempted, error = attempt(world, case), ATTEMPTS[case][3]
    before = seen(client, world)

    response = client.request(attempted.method, attempted.path, json=attempted.body, headers=auth(attempted.token))

    assert response.status_code == 403, response.text
    assert response.json() == error
    assert seen(client, world) == before


def test_after_every_refusal_the_owner_still_can(client: TestClient, world: World) -> None:
    for case in ATTEMPTS:
        attempted = attempt(world, case)
        response = client.request(attempted.method, attempted.path, json=attempted.body, headers=auth(attempted.token))
        assert response.status_code == 403, case

    edited = client.put(
        f"/api/articles/{world.slug}", json={"article": {"body": "Still mine"}}, headers=auth(world.jake)
    )
    amys_comment = f"/api/articles/{world.slug}/comments/{world.amys_comment_id}"
    jakes_comment = f"/api/articles/{world.slug}/comments/{world.comment_id}"

    assert ok(edited)["article"]["body"] == "Still mine"
    assert client.delete(amys_comment, headers=auth(world.amy)).status_code == 204
    assert client.delete(jakes_comment, headers=auth(world.jake)).status_code == 204
    assert client.delete(f"/api/articles/{world.slug}", headers=auth(world.jake)).status_code == 204


def test_a_comment_cannot_be_reached_through_another_article(client: TestClient, world: World) -> None:
    """Amy's own article in the path does not make Jake's comment (on Jake's article) hers to delete."""
    article = {"title": "Amy's", "description": "d", "body": "b"}
    amys_slug = ok(client.post("/api/articles", json={"article": article}, headers=auth(world.amy)), 201)
    before = seen(client, world)

    response = client.delete(
        f"/api/articles/{amys_slug['article']['slug']}/comments/{world.comment_id}", headers=auth(world.amy)
    )

    assert (response.status_code, response.json()) == (404, COMMENT_NOT_FOUND)
    assert seen(client, world) == before


# --- shared things: a second user's favorite and follow change only their own flags ---------------------------------


def article_as(client: TestClient, world: World, token: str | None) -> dict[str, Any]:
    article: dict[str, Any] = ok(client.get(f"/api/articles/{world.slug}", headers=auth(token) if token else {}))[
        "article"
    ]
    return article


def test_a_second_users_favorite_and_unfavorite_change_only_their_own_flag(client: TestClient, world: World) -> None:
    favorited = ok(client.post(f"/api/articles/{world.slug}/favorite", headers=auth(world.amy)))["article"]
    assert (favorited["favorited"], favorited["favoritesCount"]) == (True, 2)
    assert article_as(client, world, world.jake)["favorited"] is True

    unfavorited = ok(client.delete(f"/api/articles/{world.slug}/favorite", headers=auth(world.amy)))["article"]
    again = ok(client.delete(f"/api/articles/{world.slug}/favorite", headers=auth(world.amy)))["article"]

    assert (unfavorited["favorited"], unfavorited["favoritesCount"]) == (False, 1)
    assert (again["favorited"], again["favoritesCount"]) == (False, 1)
    assert (article_as(client, world, world.jake)["favorited"], article_as(client, world, None)["favoritesCount"]) == (
        True,
        1,
    )
    jakes_favorites = ok(client.get("/api/articles", params={"favorited": "jake"}))["articles"]
    assert [article["slug"] for article in jakes_favorites] == [world.slug]


def test_unfavoriting_what_you_never_favorited_leaves_the_owners_favorite(client: TestClient, world: World) -> None:
    before = seen(client, world)

    answer = ok(client.delete(f"/api/articles/{world.slug}/favorite", headers=auth(world.rosa)))["article"]

    assert (answer["favorited"], answer["favoritesCount"]) == (False, 1)
    assert seen(client, world) == before


def profile_as(client: TestClient, name: str, token: str) -> dict[str, Any]:
    profile: dict[str, Any] = ok(client.get(f"/api/profiles/{name}", headers=auth(token)))["profile"]
    return profile


def test_a_second_users_follow_and_unfollow_change_only_their_own_flag(client: TestClient, world: World) -> None:
    follows = ok(client.post("/api/profiles/rosa/follow", headers=auth(world.amy)))["profile"]
    follows_jake = ok(client.post("/api/profiles/jake/follow", headers=auth(world.amy)))["profile"]
    assert follows["following"] is follows_jake["following"] is True
    assert profile_as(client, "amy", world.jake)["following"] is False  # being followed is not following back
    assert profile_as(client, "amy", world.rosa)["following"] is False

    unfollows = ok(client.delete("/api/profiles/rosa/follow", headers=auth(world.amy)))["profile"]
    again = ok(client.delete("/api/profiles/rosa/follow", headers=auth(world.amy)))["profile"]

    assert unfollows["following"] is again["following"] is False
    assert profile_as(client, "rosa", world.jake)["following"] is True  # Jake's own follow is untouched
    assert profile_as(client, "jake", world.amy)["following"] is True


def test_unfollowing_whom_you_never_followed_leaves_the_others_follows(client: TestClient, world: World) -> None:
    before = seen(client, world)

    answer = ok(client.delete("/api/profiles/rosa/follow", headers=auth(world.amy)))["profile"]

    assert answer["following"] is False
    assert seen(client, world) == before


# --- PUT /api/user: the caller, only ever ---------------------------------------------------------------------------


def test_updating_the_current_user_changes_the_caller_and_nobody_else(client: TestClient, world: World) -> None:
    before = seen(client, world)
    changes = {"username": "amelia", "email": "amelia@x.io", "bio": "Amy's bio", "image": "https://x.io/a.png"}

    updated = ok(
        client.put("/api/user", json={"user": {**changes, "password": "amys-new-password"}}, headers=auth(world.amy))
    )

    assert {key: updated["user"][key] for key in changes} == changes
    after = seen(client, world)
    assert after["jake"]["user"] == before["jake"]["user"]
    assert after["rosa"]["user"] == before["rosa"]["user"]
    for viewer in ("anonymous", "jake", "rosa"):
        for name in ("jake", "rosa"):
            assert after[viewer]["profiles"][name] == before[viewer]["profiles"][name]
    login = client.post("/api/users/login", json={"user": {"email": "jake@jake.jake", "password": PASSWORD}})
    assert login.status_code == 200  # Jake's password is still his


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"username": "jake"}, {"username": TAKEN}),
        ({"email": "jake@jake.jake"}, {"email": TAKEN}),
        ({"email": "JAKE@Jake.Jake"}, {"email": TAKEN}),
    ],
)
def test_the_caller_cannot_take_over_someone_elses_username_or_email(
    client: TestClient, world: World, fields: dict[str, str], error: dict[str, list[str]]
) -> None:
    before = seen(client, world)

    response = client.put("/api/user", json={"user": {**fields, "bio": "taking over"}}, headers=auth(world.amy))

    assert (response.status_code, response.json()) == (409, {"errors": error})
    assert seen(client, world) == before  # nobody changed: not Jake, and not Amy either


def test_naming_another_user_in_the_body_does_not_reach_them(client: TestClient, world: World) -> None:
    """The body has no say in whose account is changed: the token does. Unknown keys are ignored."""
    before = seen(client, world)
    body = {"user": {"bio": "whose?", "id": "jake", "token": world.jake, "user_id": "jake"}, "username": "jake"}

    updated = ok(client.put("/api/user", json=body, headers=auth(world.amy)))

    assert (updated["user"]["username"], updated["user"]["bio"]) == ("amy", "whose?")
    after = seen(client, world)
    assert after["jake"]["user"] == before["jake"]["user"]
    assert after["anonymous"]["profiles"]["jake"] == before["anonymous"]["profiles"]["jake"]
