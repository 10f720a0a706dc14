"""What an operator watches, on a real `conduit serve --workers 2`: health, one /metrics for all workers, JSON logs."""

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conduit_process import ConduitServer, conduit_env, conduit_server, request
from tests.postgres import PostgresServer

pytestmark = pytest.mark.e2e

WORKERS = 2
POOL_SIZE = 3
ARTICLE_LISTS = 12
PROFILE_MISSES = 5


@dataclass
class Served:
    server: ConduitServer
    tmp_dir: Path
    metrics_dirs_while_running: list[Path]


def scrape(base_url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=10) as response:  # noqa: S310 - local test server
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def labelled(route: str, method: str = "GET", status: str = "2xx") -> frozenset[tuple[str, str]]:
    return frozenset({"route": route, "method": method, "status": status}.items())


@pytest.fixture(scope="module")
def served(pg_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Two workers under traffic; stopped (SIGTERM) after the module's tests have looked at it."""
    tmp_dir = tmp_path_factory.mktemp("tmp")  # TMPDIR of the service: where its metrics directory goes
    env = conduit_env(DB_POOL_SIZE=str(POOL_SIZE), TMPDIR=str(tmp_dir), PROMETHEUS_MULTIPROC_DIR=None)
    with pg_server.database("conduit_ops") as database_url:
        env["DATABASE_URL"] = database_url
        with conduit_server(env, "--workers", str(WORKERS)) as server:
            url = server.base_url
            for _ in range(ARTICLE_LISTS):
                assert request("GET", f"{url}/api/articles")[0] == 200
            for number in range(PROFILE_MISSES):
                assert request("GET", f"{url}/api/profiles/ghost-{number}")[0] == 404
            for _ in range(3):
                request("GET", f"{url}/health/live")
                request("GET", f"{url}/health/ready")
            yield Served(server, tmp_dir, sorted(tmp_dir.glob("conduit-metrics-*")))


def test_health_answers_on_a_real_service(served: Served) -> None:
    url = served.server.base_url

    assert request("GET", f"{url}/health/live") == (200, {"status": "ok"})
    assert request("GET", f"{url}/health/ready") == (200, {"status": "ok"})


def test_metrics_add_up_every_worker_into_per_route_histograms(served: Served) -> None:
    scrapes = [scrape(served.server.base_url) for _ in range(4)]  # whichever worker answers, the same totals

    for samples in scrapes:
        articles, misses = labelled("/api/articles"), labelled("/api/profiles/{username}", status="4xx")
        assert samples[("conduit_http_request_duration_seconds_count", articles)] == ARTICLE_LISTS
        assert samples[("conduit_http_request_duration_seconds_bucket", articles | {("le", "+Inf")})] == ARTICLE_LISTS
        assert samples[("conduit_http_requests_total", misses)] == PROFILE_MISSES
        assert samples[("conduit_domain_errors_total", frozenset({("kind", "ProfileNotFound")}))] == PROFILE_MISSES
        # livesum: each worker's pool, added up
        assert samples[("conduit_db_pool_size", frozenset())] == WORKERS * POOL_SIZE
        assert not any("/health" in dict(labels).get("route", "") for _, labels in samples)
        assert not any("ghost" in dict(labels).get("route", "") for _, labels in samples)


def test_logs_are_json_lines_with_one_access_line_per_request(served: Served) -> None:
    lines = [json.loads(line) for line in served.server.output().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "conduit.access"]
    articles = [line for line in access if line["route"] == "/api/articles"]

    assert lines
    assert len(articles) == ARTICLE_LISTS
    assert len({line["request_id"] for line in articles}) == ARTICLE_LISTS
    assert not [line for line in access if line["path"].startswith("/health")]
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]


def test_the_metrics_directory_is_made_for_the_run_and_removed_after(served: Served) -> None:
    """It stops the service: keep it after the other tests that use `served`."""
    served.server.stop()

    assert len(served.metrics_dirs_while_running) == 1
    assert not served.metrics_dirs_while_running[0].exists()
    assert served.server.process.returncode in {0, 143}


def test_a_single_worker_serves_its_metrics_too(pg_server: PostgresServer) -> None:
    """One worker runs in the `conduit serve` process itself: prometheus_client must not be imported there before the
    metrics directory is set, or its values would live in memory while /metrics reads the (empty) directory."""
    with (
        pg_server.database("conduit_ops1") as database_url,
        conduit_server(conduit_env(DATABASE_URL=database_url)) as server,
    ):
        for _ in range(3):
            request("GET", f"{server.base_url}/api/tags")
        samples = scrape(server.base_url)

    assert samples[("conduit_http_request_duration_seconds_count", labelled("/api/tags"))] == 3
