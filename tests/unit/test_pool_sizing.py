"""Workers, connection pools and threads: `workers x (pool + overflow + probe) <= DB_MAX_CONNECTIONS`, always."""

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from entrypoints.cli import cli
from entrypoints.container import build_container, use_memory_adapters
from entrypoints.http.app import create_app
from entrypoints.settings import (
    DEFAULT_DB_MAX_CONNECTIONS,
    PROBE_CONNECTIONS,
    THREADS_WITHOUT_CONNECTION,
    PoolSizingError,
    Settings,
    plan_pools,
)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, database_url=None, **values)  # type: ignore[arg-type]


def test_the_defaults_fit_a_default_postgresql() -> None:
    plan = settings().pool_plan()

    assert plan.pool_size == 10
    assert plan.max_overflow == 0  # no connection opened and closed again per request under load
    assert plan.connections == 11  # the pool and the readiness probe's own connection
    assert DEFAULT_DB_MAX_CONNECTIONS < 100 - 3  # PostgreSQL's max_connections less the superusers' reserve


def test_an_unset_pool_is_each_workers_share_of_the_budget() -> None:
    assert settings().pool_plan(workers=8).pool_size == 9  # 80 // 8 = 10, less the probe's
    assert settings(db_max_connections=20).pool_plan(workers=4).pool_size == 4
    assert settings(db_max_connections=20, db_max_overflow=2).pool_plan(workers=4).pool_size == 2


def test_a_set_pool_is_kept_when_it_fits() -> None:
    plan = settings(db_pool_size=3, db_max_overflow=1).pool_plan(workers=4)

    assert (plan.pool_size, plan.max_overflow, plan.connections) == (3, 1, 4 * 5)


def test_a_set_pool_that_does_not_fit_the_workers_is_refused_saying_what_would() -> None:
    with pytest.raises(PoolSizingError) as refused:
        settings(db_pool_size=10).pool_plan(workers=9)

    message = str(refused.value)
    assert "9 worker(s) x (10 DB_POOL_SIZE + 0 DB_MAX_OVERFLOW + 1 readiness probe) = 99" in message
    assert "DB_MAX_CONNECTIONS=80" in message
    assert "DB_POOL_SIZE to 7 or less" in message


def test_more_workers_than_the_budget_can_take_are_refused() -> None:
    with pytest.raises(PoolSizingError, match="cannot give 41 worker"):
        settings().pool_plan(workers=41)


def test_a_pool_too_big_for_even_one_process_is_an_invalid_setting() -> None:
    with pytest.raises(ValueError, match="over DB_MAX_CONNECTIONS=5"):
        settings(db_max_connections=5, db_pool_size=5)


def test_threads_are_the_connections_plus_a_few_that_need_none() -> None:
    plan = settings(db_pool_size=6, db_max_overflow=2).pool_plan()

    assert plan.threads == 6 + 2 + THREADS_WITHOUT_CONNECTION


@given(
    budget=st.integers(1, 500),
    workers=st.integers(1, 64),
    pool_size=st.none() | st.integers(1, 100),
    max_overflow=st.integers(0, 20),
)
def test_a_plan_never_exceeds_the_budget(budget: int, workers: int, pool_size: int | None, max_overflow: int) -> None:
    try:
        plan = plan_pools(max_connections=budget, workers=workers, pool_size=pool_size, max_overflow=max_overflow)
    except PoolSizingError:
        # Refused only when even one connection per worker (or the pool asked for) cannot fit.
        wanted = pool_size or 1
        assert workers * (wanted + max_overflow + PROBE_CONNECTIONS) > budget
        return
    assert plan.connections <= budget
    assert plan.pool_size >= 1
    assert pool_size is None or plan.pool_size == pool_size


def test_serve_refuses_a_worker_count_the_database_cannot_take(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_POOL_SIZE", "10")
    monkeypatch.setenv("DB_MAX_CONNECTIONS", "40")
    monkeypatch.setenv("CONDUIT_WORKERS", "1")  # `serve` sets it for its workers: restored after the test

    result = CliRunner().invoke(cli, ["serve", "--workers", "4"])

    assert result.exit_code == 2
    assert "cannot serve with --workers 4" in result.output
    assert "= 44 database connections at most, over DB_MAX_CONNECTIONS=40" in result.output


def test_the_app_sizes_its_thread_pool_to_its_connections() -> None:
    values = settings(db_pool_size=3)
    container = build_container(values)
    use_memory_adapters(container)

    with TestClient(create_app(container, values)) as client:
        assert client.portal is not None  # the app's event loop, where the lifespan ran
        tokens = client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)

    assert tokens == 3 + THREADS_WITHOUT_CONNECTION
