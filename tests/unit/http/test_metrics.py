"""/metrics: request series per route template, method and status class; in-flight, pool and error-kind figures."""

import re
from collections.abc import Callable, Iterator

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from adapters.memory.store import InMemoryStore
from adapters.sqlalchemy.health import PoolStats
from application.profiles import GetProfileCommand
from application.views import ProfileView
from entrypoints.container import Container, build_container, use_memory_adapters
from entrypoints.http.app import create_app
from entrypoints.metrics import Metrics
from entrypoints.settings import Settings
from tests.unit.http.api import register

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def request_count(samples: Samples, route: str, method: str = "GET", status: str = "2xx") -> float | None:
    return value(samples, "conduit_http_requests_total", method=method, route=route, status=status)


def routes_seen(samples: Samples) -> set[str]:
    return {dict(labels)["route"] for name, labels in samples if name == "conduit_http_requests_total"}


class FixedPool:
    def __init__(self, stats: PoolStats) -> None:
        self.stats = stats

    def ping(self, timeout: float) -> bool:
        return True

    def pool_stats(self) -> PoolStats | None:
        return self.stats


@pytest.fixture
def lenient_client(container: Container, settings: Settings, store: InMemoryStore) -> Iterator[TestClient]:
    with TestClient(create_app(container, settings), raise_server_exceptions=False) as client:
        yield client


def test_requests_are_counted_per_route_template_never_per_raw_path(client: TestClient) -> None:
    register(client, "jake")
    register(client, "anne")

    client.get("/api/profiles/jake")
    client.get("/api/profiles/anne")
    samples = scrape(client)

    assert request_count(samples, "/api/profiles/{username}") == 2
    assert request_count(samples, "/api/users", method="POST") == 2
    assert not any("jake" in route or "anne" in route for route in routes_seen(samples))


def test_the_latency_histogram_has_the_same_labels(client: TestClient) -> None:
    client.get("/api/tags")
    client.get("/api/tags")

    samples = scrape(client)

    labels = {"method": "GET", "route": "/api/tags", "status": "2xx"}
    assert value(samples, "conduit_http_request_duration_seconds_count", **labels) == 2
    assert value(samples, "conduit_http_request_duration_seconds_bucket", le="+Inf", **labels) == 2
    assert (value(samples, "conduit_http_request_duration_seconds_sum", **labels) or 0) > 0


def test_status_is_labelled_by_class(client: TestClient) -> None:
    client.get("/api/profiles/nobody")
    client.delete("/api/users")

    samples = scrape(client)

    assert request_count(samples, "/api/profiles/{username}", status="4xx") == 1
    assert request_count(samples, "/api/users", method="DELETE", status="4xx") == 1


def test_unmatched_paths_share_one_label(client: TestClient) -> None:
    client.get("/api/nothing-here")
    client.get("/wp-admin/login.php")

    samples = scrape(client)

    assert request_count(samples, "unmatched", status="4xx") == 2
    assert routes_seen(samples) == {"unmatched"}


def test_an_unknown_method_does_not_mint_a_label(client: TestClient) -> None:
    client.request("BREW", "/api/tags")

    samples = scrape(client)

    assert request_count(samples, "/api/tags", method="OTHER", status="4xx") == 1


def test_the_docs_static_files_are_labelled_by_their_mount(client: TestClient) -> None:
    asset = re.search(r'(?:src|href)="(/[^"]+\.(?:js|css))"', client.get("/docs").text)
    assert asset is not None
    assert client.get(asset[1]).status_code == 200

    samples = scrape(client)

    mount = asset[1].rsplit("/", 1)[0]
    assert request_count(samples, f"{mount}/{{path}}") == 1


def test_health_and_metrics_requests_are_not_counted(client: TestClient) -> None:
    client.get("/health/live")
    client.get("/health/ready")
    scrape(client)

    samples = scrape(client)

    assert routes_seen(samples) == set()


def test_an_unexpected_error_is_counted_as_5xx(lenient_client: TestClient, container: Container) -> None:
    def broken(_: GetProfileCommand) -> ProfileView:
        raise RuntimeError("boom")

    container.get_profile.override(providers.Object(broken))

    lenient_client.get("/api/profiles/jake")
    samples = scrape(lenient_client)

    assert request_count(samples, "/api/profiles/{username}", status="5xx") == 1


def test_in_flight_counts_the_request_being_answered(client: TestClient, container: Container) -> None:
    seen: list[float | None] = []
    metrics: Callable[[], Metrics] = container.metrics

    def watching(_: GetProfileCommand) -> ProfileView:
        seen.append(metrics().registry.get_sample_value("conduit_http_requests_in_flight"))
        return ProfileView(username="jake", bio=None, image=None, following=False)

    container.get_profile.override(providers.Object(watching))

    client.get("/api/profiles/jake")
    samples = scrape(client)

    assert seen == [1]
    assert value(samples, "conduit_http_requests_in_flight") == 0


def test_use_case_errors_are_counted_by_kind(client: TestClient) -> None:
    register(client, "jake")
    client.get("/api/profiles/nobody")
    client.get("/api/profiles/nobody-else")
    client.post("/api/users/login", json={"user": {"email": "jake@jake.jake", "password": "wrong-password"}})
    client.post("/api/users", json={"user": {"username": "jake", "email": "other@jake.jake", "password": "password1"}})

    samples = scrape(client)

    assert value(samples, "conduit_domain_errors_total", kind="ProfileNotFound") == 2
    assert value(samples, "conduit_domain_errors_total", kind="InvalidCredentials") == 1
    assert value(samples, "conduit_domain_errors_total", kind="UsernameTaken") == 1


def test_pool_figures_come_from_the_database_probe(
    container: Container, settings: Settings, store: InMemoryStore
) -> None:
    container.database_probe.override(providers.Object(FixedPool(PoolStats(size=10, checked_out=3, overflow=2))))

    with TestClient(create_app(container, settings)) as client:
        samples = scrape(client)

    assert value(samples, "conduit_db_pool_size") == 10
    assert value(samples, "conduit_db_pool_checked_out") == 3
    assert value(samples, "conduit_db_pool_overflow") == 2


def test_two_apps_in_one_process_keep_separate_counts(client: TestClient, settings: Settings) -> None:
    other = build_container(settings)
    use_memory_adapters(other)

    client.get("/api/tags")
    with TestClient(create_app(other, settings)) as other_client:
        other_samples = scrape(other_client)

    assert request_count(scrape(client), "/api/tags") == 1
    assert routes_seen(other_samples) == set()
