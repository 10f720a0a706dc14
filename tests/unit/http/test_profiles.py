import pytest
from fastapi.testclient import TestClient

from adapters.memory.store import InMemoryStore
from tests.unit.http.api import auth, register

NOT_FOUND = {"errors": {"profile": ["not found"]}}


def profile(username: str, *, following: bool, bio: str | None = None, image: str | None = None) -> dict[str, object]:
    return {"profile": {"username": username, "bio": bio, "image": image, "following": following}}


@pytest.fixture
def jake(client: TestClient) -> str:
    token = register(client, "jake")
    client.put("/api/user", json={"user": {"bio": "I work at statefarm"}}, headers=auth(token))
    return token


@pytest.fixture
def amy(client: TestClient) -> str:
    return register(client, "amy")


JAKE = profile("jake", bio="I work at statefarm", following=False)
JAKE_FOLLOWED = profile("jake", bio="I work at statefarm", following=True)


def test_get_profile_answers_200_without_a_token(client: TestClient, jake: str) -> None:
    response = client.get("/api/profiles/jake")

    assert response.status_code == 200
    assert response.json() == JAKE


def test_get_profile_answers_404_for_an_unknown_username(client: TestClient, jake: str) -> None:
    response = client.get("/api/profiles/nobody")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_follow_answers_200_with_the_profile_followed(client: TestClient, jake: str, amy: str) -> None:
    response = client.post("/api/profiles/jake/follow", headers=auth(amy))

    assert response.status_code == 200
    assert response.json() == JAKE_FOLLOWED


def test_follow_is_seen_by_the_follower_only(client: TestClient, jake: str, amy: str) -> None:
    client.post("/api/profiles/jake/follow", headers=auth(amy))

    assert client.get("/api/profiles/jake", headers=auth(amy)).json() == JAKE_FOLLOWED
    assert client.get("/api/profiles/jake").json() == JAKE
    assert client.get("/api/profiles/amy", headers=auth(jake)).json() == profile("amy", following=False)


def test_follow_twice_answers_200_followed_both_times(
    client: TestClient, store: InMemoryStore, jake: str, amy: str
) -> None:
    client.post("/api/profiles/jake/follow", headers=auth(amy))

    response = client.post("/api/profiles/jake/follow", headers=auth(amy))

    assert response.status_code == 200
    assert response.json() == JAKE_FOLLOWED
    assert len(store.follows) == 1


def test_follow_ignores_a_request_body(client: TestClient, jake: str, amy: str) -> None:
    response = client.post("/api/profiles/jake/follow", json={"user": {"email": "amy@jake.jake"}}, headers=auth(amy))

    assert response.status_code == 200
    assert response.json() == JAKE_FOLLOWED


def test_follow_answers_404_for_an_unknown_username(client: TestClient, store: InMemoryStore, amy: str) -> None:
    response = client.post("/api/profiles/nobody/follow", headers=auth(amy))

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert store.follows == {}


def test_follow_answers_422_when_following_yourself(client: TestClient, store: InMemoryStore, jake: str) -> None:
    response = client.post("/api/profiles/jake/follow", headers=auth(jake))

    assert response.status_code == 422
    assert response.json() == {"errors": {"profile": ["cannot follow yourself"]}}
    assert store.follows == {}


def test_unfollow_answers_200_with_the_profile_not_followed(client: TestClient, jake: str, amy: str) -> None:
    client.post("/api/profiles/jake/follow", headers=auth(amy))

    response = client.delete("/api/profiles/jake/follow", headers=auth(amy))

    assert response.status_code == 200
    assert response.json() == JAKE
    assert client.get("/api/profiles/jake", headers=auth(amy)).json() == JAKE


def test_unfollow_when_not_following_answers_200_not_followed(client: TestClient, jake: str, amy: str) -> None:
    response = client.delete("/api/profiles/jake/follow", headers=auth(amy))

    assert response.status_code == 200
    assert response.json() == JAKE


def test_unfollow_answers_404_for_an_unknown_username(client: TestClient, amy: str) -> None:
    response = client.delete("/api/profiles/nobody/follow", headers=auth(amy))

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_get_profile_accepts_a_json_content_type_on_get(client: TestClient, jake: str) -> None:
    response = client.get("/api/profiles/jake", headers={"Content-Type": "application/json"})

    assert response.status_code == 200
