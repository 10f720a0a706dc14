import pytest
from fastapi.testclient import TestClient

from tests.unit.http.api import auth, register


@pytest.fixture
def jake(client: TestClient) -> str:
    return register(client, "jake")


def create_article(client: TestClient, token: str, tags: list[str]) -> str:
    article = {"title": "Tagged", "description": "Ever wonder how?", "body": "You have to believe", "tagList": tags}
    response = client.post("/api/articles", json={"article": article}, headers=auth(token))
    assert response.status_code == 201, response.text
    slug: str = response.json()["article"]["slug"]
    return slug


def test_list_tags_of_an_empty_site_is_an_empty_list(client: TestClient) -> None:
    response = client.get("/api/tags")

    assert response.status_code == 200
    assert response.json() == {"tags": []}


def test_list_tags_gives_every_tag_in_use_once_sorted(client: TestClient, jake: str) -> None:
    create_article(client, jake, ["training", "dragons"])
    create_article(client, jake, ["dragons", "angular"])

    response = client.get("/api/tags", headers={"Content-Type": "application/json"})

    assert response.status_code == 200
    assert response.json() == {"tags": ["angular", "dragons", "training"]}


def test_list_tags_has_no_top_n_cap(client: TestClient, jake: str) -> None:
    names = [f"tag{n:02}" for n in range(30)]
    create_article(client, jake, names[:15])
    create_article(client, jake, names[15:])

    assert client.get("/api/tags").json() == {"tags": names}


def test_list_tags_answers_the_same_with_a_token(client: TestClient, jake: str) -> None:
    create_article(client, jake, ["dragons"])

    assert client.get("/api/tags", headers=auth(jake)).json() == {"tags": ["dragons"]}


def test_list_tags_forgets_the_tags_of_a_deleted_article(client: TestClient, jake: str) -> None:
    doomed = create_article(client, jake, ["dragons", "shared"])
    create_article(client, jake, ["shared"])

    client.delete(f"/api/articles/{doomed}", headers=auth(jake))

    assert client.get("/api/tags").json() == {"tags": ["shared"]}


def test_list_tags_forgets_tags_cleared_from_an_article(client: TestClient, jake: str) -> None:
    slug = create_article(client, jake, ["dragons"])

    client.put(f"/api/articles/{slug}", json={"article": {"tagList": []}}, headers=auth(jake))

    assert client.get("/api/tags").json() == {"tags": []}
