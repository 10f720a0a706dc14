"""One contract for every rate-limit store: in memory, PostgreSQL and Redis give the same GCRA answers (on an
injected clock), and concurrent hits on one key never let more through than the limit (on the store's own clock)."""

import socket
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from sqlalchemy import Engine, func, select

from adapters.memory.rate_limits import InMemoryRateLimitStore
from adapters.redis_rate_limits import KEY_PREFIX, RedisRateLimitStore
from adapters.sqlalchemy.database import build_engine
from adapters.sqlalchemy.rate_limits import SWEEP_BATCH, SqlRateLimitStore
from adapters.sqlalchemy.tables import rate_limits
from application.rate_limits import RateLimit, RateLimitStore, RateLimitStoreError

StoreFactory = Callable[[Callable[[], float] | None], RateLimitStore]


class ManualClock:
    """Seconds that move only when told (epoch-like, as the shared stores' clocks are)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(
    scope="module",
    params=[
        "memory",
        pytest.param("postgres", marks=pytest.mark.integration),
        pytest.param("redis", marks=pytest.mark.integration),
    ],
)
def kind(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def redis_client(redis_url: str) -> Iterator["redis.Redis"]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def make_store(kind: str, request: pytest.FixtureRequest) -> StoreFactory:
    """A store on `clock` (None: the store's own clock)."""
    if kind == "memory":
        return lambda clock: InMemoryRateLimitStore(clock=clock) if clock else InMemoryRateLimitStore()
    if kind == "postgres":
        engine: Engine = request.getfixturevalue("clean_database")
        return lambda clock: SqlRateLimitStore(engine, clock=clock)
    client: redis.Redis = request.getfixturevalue("redis_client")
    prefix = f"{KEY_PREFIX}test-{uuid.uuid4().hex[:8]}:"  # runs sharing one Redis never see each other's keys
    return lambda clock: RedisRateLimitStore(client, clock=clock, prefix=prefix)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def test_a_burst_of_the_limit_then_the_exact_wait(make_store: StoreFactory, clock: ManualClock) -> None:
    store, limit = make_store(clock), RateLimit(4, 60)

    waits = [store.hit("a", limit) for _ in range(5)]
    clock.advance(10)
    later = store.hit("a", limit)

    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4] == pytest.approx(15)
    assert later == pytest.approx(5)  # a refused hit counted nothing: the wait shrank by the 10 s that passed


def test_keys_are_counted_apart(make_store: StoreFactory, clock: ManualClock) -> None:
    store, limit = make_store(clock), RateLimit(1, 60)

    assert store.hit("login:203.0.113.7", limit) == 0
    assert store.hit("login:203.0.113.7", limit) == pytest.approx(60)
    assert store.hit("login:198.51.100.9", limit) == 0
    assert store.hit("registration:203.0.113.7", limit) == 0


def test_waiting_out_the_answer_gets_in_and_refills_one_at_a_time(make_store: StoreFactory, clock: ManualClock) -> None:
    store, limit = make_store(clock), RateLimit(3, 30)
    for _ in range(3):
        assert store.hit("a", limit) == 0
    wait = store.hit("a", limit)

    clock.advance(wait)
    assert store.hit("a", limit) == 0  # exactly when told
    assert store.hit("a", limit) == pytest.approx(10)  # and only that one


def test_a_bucket_at_rest_is_full_again(make_store: StoreFactory, clock: ManualClock) -> None:
    store, limit = make_store(clock), RateLimit(5, 60)
    for _ in range(5):
        store.hit("a", limit)

    clock.advance(60)

    assert [store.hit("a", limit) == 0 for _ in range(6)] == [True] * 5 + [False]


def test_each_limit_is_kept_to_the_microsecond(make_store: StoreFactory, clock: ManualClock) -> None:
    store, limit = make_store(clock), RateLimit(1, 1)

    assert store.hit("a", limit) == 0
    clock.advance(0.999)
    assert store.hit("a", limit) == pytest.approx(0.001, abs=1e-5)
    clock.advance(0.001)
    assert store.hit("a", limit) == 0


def test_concurrent_hits_on_one_key_never_pass_more_than_the_limit(make_store: StoreFactory) -> None:
    store, limit = make_store(None), RateLimit(40, 3600)  # the store's own clock; refills one per 90 s
    threads, hits_each = 16, 8
    barrier = threading.Barrier(threads)
    allowed: list[int] = []
    errors: list[BaseException] = []

    def hammer() -> None:
        try:
            barrier.wait()
            allowed.append(sum(store.hit("login:198.51.100.1", limit) == 0 for _ in range(hits_each)))
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert sum(allowed) == 40  # 128 attempts, exactly the burst let through


# --- what only the shared stores have: bounded storage, outages ------------------------------------------------


def test_postgres_sweeps_dead_rows_and_keeps_live_ones(clean_database: Engine, clock: ManualClock) -> None:
    store, limit = SqlRateLimitStore(clean_database, clock=clock), RateLimit(2, 60)
    for n in range(SWEEP_BATCH + 10):
        store.hit(f"old{n}", limit)
    clock.advance(31)  # one hit refilled 30 s after it: every old bucket is full again, dead
    store.hit("live", limit)

    swept = store.sweep(), store.sweep()

    with clean_database.connect() as connection:
        left = connection.execute(select(rate_limits.c.key)).scalars().all()
    assert swept == (SWEEP_BATCH, 10)  # bounded batches
    assert left == ["live"]


def test_postgres_sweeps_as_it_goes(clean_database: Engine, clock: ManualClock) -> None:
    store, limit = SqlRateLimitStore(clean_database, clock=clock), RateLimit(1, 60)
    for round_ in range(5):
        for n in range(200):
            store.hit(f"round{round_}:{n}", limit)
        clock.advance(61)

    with clean_database.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(rate_limits)).scalar_one()
    assert rows < 400  # 1000 keys hit, at most two rounds' worth (200 live) kept: the table does not grow


def test_redis_keys_expire_when_the_bucket_is_full(redis_client: "redis.Redis") -> None:
    prefix = f"{KEY_PREFIX}test-{uuid.uuid4().hex[:8]}:"
    store, limit = RedisRateLimitStore(redis_client, prefix=prefix), RateLimit(3, 60)

    store.hit("a", limit)
    first = redis_client.pttl(f"{prefix}a")
    store.hit("a", limit)
    second = redis_client.pttl(f"{prefix}a")

    assert 19_000 < first <= 20_000  # one request refills in 20 s
    assert 39_000 < second <= 40_000


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port  # nothing listens once the socket is closed


@pytest.mark.integration
def test_an_unreachable_postgres_is_a_store_error() -> None:
    engine = build_engine(f"postgresql://postgres@127.0.0.1:{closed_port()}/postgres")
    try:
        with pytest.raises(RateLimitStoreError, match="PostgreSQL"):
            SqlRateLimitStore(engine).hit("a", RateLimit(1, 60))
    finally:
        engine.dispose()


def test_an_unreachable_redis_is_a_store_error() -> None:
    store = RedisRateLimitStore.from_url(f"redis://127.0.0.1:{closed_port()}/0")

    with pytest.raises(RateLimitStoreError, match="Redis"):
        store.hit("a", RateLimit(1, 60))
    store.close()
