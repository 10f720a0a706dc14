"""The benchmark's ceiling routes exist only when CONDUIT_BENCH_ROUTES is on."""

from fastapi.testclient import TestClient

from entrypoints.container import build_container, use_memory_adapters
from entrypoints.http.app import create_app
from entrypoints.settings import Settings


def test_ceiling_routes_are_absent_by_default(client: TestClient) -> None:
    assert client.get("/bench/constant").status_code == 404


def test_constant_ceiling_route_answers_when_turned_on() -> None:
    settings = Settings(_env_file=None, database_url=None, bench_routes=True)
    container = build_container(settings)
    use_memory_adapters(container)

    with TestClient(create_app(container, settings)) as client:
        response = client.get("/bench/constant")

    assert response.status_code == 200
    assert response.json() == {"ok": True, "value": 1}
    assert "/bench/constant" not in client.get("/openapi.json").json()["paths"]
