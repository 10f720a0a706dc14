"""The login rate limit on a real `conduit serve`: the client is the peer uvicorn accepted; 429 with Retry-After."""

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conduit_process import conduit_env, conduit_serve
from tests.postgres import PostgresServer

pytestmark = pytest.mark.e2e

LIMIT = 2  # RATE_LIMIT_LOGIN=2/minute: a burst of 2, then one every 30 s


@pytest.fixture(scope="module")
def base_url(pg_server: PostgresServer) -> Iterator[str]:
    with pg_server.database("conduit_rate_limit") as url:
        env = conduit_env(DATABASE_URL=url, RATE_LIMIT_ENABLED="true", RATE_LIMIT_LOGIN=f"{LIMIT}/minute")
        with conduit_serve(env) as base:
            yield base


def login(base_url: str, forwarded_for: str | None = None) -> tuple[int, str | None, object]:
    headers = {"Content-Type": "application/json"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    body = json.dumps({"user": {"email": "nobody@x.io", "password": "password123"}}).encode()
    req = urllib.request.Request(f"{base_url}/api/users/login", data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310 - local test server
            return response.status, response.headers.get("Retry-After"), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After"), json.loads(error.read())


def test_the_login_after_the_limit_is_429_with_retry_after(base_url: str) -> None:
    answers = [login(base_url) for _ in range(LIMIT + 1)]

    assert [status for status, _, _ in answers] == [401] * LIMIT + [429]
    assert answers[-1][1:] == ("30", {"errors": {"request": ["too many requests, retry later"]}})


def test_x_forwarded_for_from_an_untrusted_local_peer_does_not_make_a_new_client(base_url: str) -> None:
    statuses = [login(base_url, forwarded_for=f"198.51.100.{n}")[0] for n in range(LIMIT + 3)]

    assert statuses.count(429) >= 3  # TRUSTED_PROXIES is empty: every attempt is 127.0.0.1's


# --- several workers: one limit ----------------------------------------------------------------------------------

SHARED_LIMIT = 5


@pytest.fixture(scope="module", params=["postgres", "redis"])
def two_workers_url(request: pytest.FixtureRequest, pg_server: PostgresServer) -> Iterator[str]:
    """`conduit serve --workers 2` with the counters in a shared store: PostgreSQL as RATE_LIMIT_STORE=auto picks it
    for two workers, or Redis as it picks it when REDIS_URL is set."""
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    with pg_server.database("conduit_rate_limit_workers") as url:
        env = conduit_env(
            DATABASE_URL=url,
            RATE_LIMIT_ENABLED="true",
            RATE_LIMIT_LOGIN=f"{SHARED_LIMIT}/hour",
            RATE_LIMIT_STORE=None,
            REDIS_URL=redis_url,
            TRUSTED_PROXIES="127.0.0.1",
        )
        with conduit_serve(env, "--workers", "2") as base:
            yield base


def test_two_workers_keep_one_limit_between_them(two_workers_url: str) -> None:
    # A client of its own (a Redis outlives the run: its counters for 127.0.0.1 may still be counting), behind the
    # trusted local proxy. Parallel requests on fresh connections: both workers accept them; counters in each worker
    # would let up to 2 x 5 in.
    client = f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: login(two_workers_url, client)[0], range(4 * SHARED_LIMIT)))

    assert sorted(statuses) == [401] * SHARED_LIMIT + [429] * (3 * SHARED_LIMIT)
