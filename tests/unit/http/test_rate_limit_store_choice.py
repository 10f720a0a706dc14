"""Which store keeps the rate-limit counters (RATE_LIMIT_STORE), and what a store outage means: the request goes
through (fail open), logged once per second and counted in /metrics."""

import logging
from collections.abc import Iterator

import pytest
from dependency_injector import providers
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from adapters.memory.rate_limits import InMemoryRateLimitStore
from adapters.memory.store import InMemoryStore
from adapters.redis_rate_limits import RedisRateLimitStore
from adapters.sqlalchemy.rate_limits import SqlRateLimitStore
from application.rate_limits import RateLimit, RateLimitStoreError
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.http.rate_limit import STORE_RETRY_SECONDS, RateLimiter, RateLimitPolicy
from entrypoints.settings import Settings
from tests.builders import PASSWORD

REDIS = "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "memory"),
        ({"CONDUIT_WORKERS": "2"}, "postgres"),
        ({"CONDUIT_REPLICAS": "3"}, "postgres"),
        ({"REDIS_URL": REDIS}, "redis"),
        ({"REDIS_URL": REDIS, "CONDUIT_WORKERS": "4"}, "redis"),
        ({"RATE_LIMIT_STORE": "memory", "CONDUIT_WORKERS": "4"}, "memory"),  # the operator's word goes
        ({"RATE_LIMIT_STORE": "postgres", "REDIS_URL": REDIS}, "postgres"),
        ({"RATE_LIMIT_STORE": "postgres"}, "postgres"),
        ({"RATE_LIMIT_STORE": "redis", "REDIS_URL": REDIS}, "redis"),
    ],
)
def test_auto_shares_the_counters_as_soon_as_two_processes_serve(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str
) -> None:
    for name in ("RATE_LIMIT_STORE", "REDIS_URL", "CONDUIT_WORKERS", "CONDUIT_REPLICAS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert Settings(_env_file=None, database_url=None).rate_limit_backend == expected


def test_a_redis_store_without_redis_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="RATE_LIMIT_STORE=redis needs REDIS_URL"):
        Settings(_env_file=None, database_url=None, rate_limit_store="redis")


@pytest.mark.parametrize(
    ("backend", "store_type"),
    [("memory", InMemoryRateLimitStore), ("postgres", SqlRateLimitStore), ("redis", RedisRateLimitStore)],
)
def test_the_container_provides_the_chosen_store(backend: str, store_type: type) -> None:
    settings = Settings(_env_file=None, database_url=None, redis_url=REDIS)
    container = build_container(settings)
    container.config.rate_limit_store.from_value(backend)
    container.engine.override(providers.Object(create_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none")))

    assert isinstance(container.rate_limit_store(), store_type)  # nothing is connected yet: no server needed


class DownStore:
    def __init__(self) -> None:
        self.calls = 0

    def hit(self, key: str, limit: RateLimit) -> float:
        self.calls += 1
        raise RateLimitStoreError("Redis: ConnectionError: connection refused")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_store_outage_lets_requests_through_asking_the_store_once_a_second(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, clock, unchecked = DownStore(), Clock(), []
    limiter = RateLimiter(
        store=store,
        policy=RateLimitPolicy(limits={"login": RateLimit(1, 60)}),
        on_unchecked=lambda: unchecked.append(1),
        clock=clock,
    )

    with caplog.at_level(logging.ERROR):
        for _ in range(5):
            limiter.check("login", peer="203.0.113.7")  # no TooManyRequests, though over 1/minute
        clock.now += STORE_RETRY_SECONDS
        limiter.check("login", peer="203.0.113.7")

    assert len(unchecked) == 6
    assert store.calls == 2  # the first, then once the retry delay had passed
    assert [record.getMessage() for record in caplog.records] == [
        "rate limit store unavailable, requests go through unchecked: Redis: ConnectionError: connection refused"
    ] * 2


@pytest.fixture
def app_with_a_down_store(container: Container, settings: Settings, store: InMemoryStore) -> Iterator[FastAPI]:
    container.rate_limit_store.override(providers.Object(DownStore()))
    app = create_app(container, settings)
    with TestClient(app):
        yield app


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, database_url=None, rate_limit_login="1/minute")


def test_login_stays_up_when_the_store_is_down_and_metrics_count_it(app_with_a_down_store: FastAPI) -> None:
    client = TestClient(app_with_a_down_store, client=("203.0.113.7", 50000))
    body = {"user": {"email": "nobody@example.com", "password": PASSWORD}}

    statuses = [client.post("/api/users/login", json=body).status_code for _ in range(3)]
    metrics = client.get("/metrics").text

    assert statuses == [401, 401, 401]  # answered on their merits: no 429, no 500
    assert "conduit_rate_limit_unchecked_total 3.0" in metrics
