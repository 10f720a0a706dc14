"""Liveness and readiness on the in-memory adapters (against PostgreSQL: tests/integration/test_health.py)."""

from dependency_injector import providers
from fastapi.testclient import TestClient

from adapters.sqlalchemy.health import PoolStats
from entrypoints.container import Container


class UnreachableDatabase:
    def __init__(self) -> None:
        self.timeouts: list[float] = []

    def ping(self, timeout: float) -> bool:
        self.timeouts.append(timeout)
        return False

    def pool_stats(self) -> PoolStats | None:
        return None


def test_live_answers_ok(client: TestClient) -> None:
    response = client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_is_always_ok_on_the_in_memory_adapters(client: TestClient) -> None:
    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_answers_503_in_the_errors_shape_when_the_database_does_not_answer(
    client: TestClient, container: Container
) -> None:
    probe = UnreachableDatabase()
    container.database_probe.override(providers.Object(probe))

    response = client.get("/health/ready")

    assert response.status_code == 503
    assert response.json() == {"errors": {"database": ["is unavailable"]}}
    assert probe.timeouts == [2.0]


def test_live_does_not_depend_on_the_database(client: TestClient, container: Container) -> None:
    container.database_probe.override(providers.Object(UnreachableDatabase()))

    assert client.get("/health/live").status_code == 200


def test_health_routes_are_outside_the_api_prefix(client: TestClient) -> None:
    assert client.get("/api/health/live").status_code == 404
    assert client.get("/api/health/ready").status_code == 404


def test_health_routes_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    assert "get" in paths["/health/live"]
    assert "503" in paths["/health/ready"]["get"]["responses"]
