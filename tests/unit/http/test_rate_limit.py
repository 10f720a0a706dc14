"""Rate limits on login and registration, per client address: 429 with Retry-After, configurable, proxy-aware.

The app under test limits logins to 3 a minute (a burst of 3, then one every 20 s) and registrations to 2 a minute;
the store's clock only moves when a test says so. TestClient sets the connection's peer address.
"""

import ipaddress
import sys
import threading
from collections.abc import Callable, Iterator

import pytest
from dependency_injector import providers
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from pydantic import ValidationError
from typer.testing import CliRunner

from adapters.memory.store import InMemoryStore
from adapters.security import Argon2PasswordHasher
from application.ports import PasswordHasher
from entrypoints.cli import cli
from entrypoints.container import Container, build_container, use_memory_adapters
from entrypoints.http.app import create_app
from entrypoints.http.rate_limit import (
    LOGIN,
    REGISTRATION,
    InMemoryRateLimitStore,
    RateLimit,
    RateLimiter,
    RateLimitPolicy,
)
from entrypoints.settings import Settings
from tests.builders import PASSWORD
from tests.unit.http.api import new_user

RATE_LIMITED = {"errors": {"request": ["too many requests, retry later"]}}
INVALID_CREDENTIALS = {"errors": {"credentials": ["invalid"]}}
CLIENT = "203.0.113.7"
OTHER_CLIENT = "198.51.100.9"
PROXY = "10.0.0.5"
LOGIN_LIMIT, LOGIN_INTERVAL = 3, 20  # "3/minute"
REGISTRATION_LIMIT = 2  # "2/minute"


class ManualClock:
    """Monotonic seconds that move only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def settings() -> Settings:
    return Settings(
        _env_file=None,
        database_url=None,
        rate_limit_login="3/minute",
        rate_limit_registration="2/minute",
        trusted_proxies="10.0.0.0/8, 2001:db8:ffff::/48",
    )


@pytest.fixture
def clock(container: Container) -> ManualClock:
    clock = ManualClock()
    container.rate_limit_store.override(providers.Object(InMemoryRateLimitStore(clock=clock)))
    return clock


@pytest.fixture
def app(container: Container, settings: Settings, store: InMemoryStore, clock: ManualClock) -> Iterator[FastAPI]:
    app = create_app(container, settings)
    with TestClient(app):  # runs the lifespan once; the clients below share the app
        yield app


@pytest.fixture
def app_with(cheap_hasher: Argon2PasswordHasher, clock: ManualClock) -> Callable[..., FastAPI]:
    """An app on its own container, built from settings with these overrides (the limits come from settings)."""

    def build(**overrides: object) -> FastAPI:
        settings = Settings(_env_file=None, database_url=None, **overrides)  # type: ignore[arg-type]
        container = build_container(settings)
        container.password_hasher.override(providers.Object(cheap_hasher))
        container.rate_limit_store.override(providers.Object(InMemoryRateLimitStore(clock=clock)))
        use_memory_adapters(container)
        return create_app(container, settings)

    return build


def client_at(app: FastAPI, host: str) -> TestClient:
    return TestClient(app, client=(host, 50000))


def login(client: TestClient, email: str = "jake@jake.jake", **headers: str) -> Response:
    return client.post("/api/users/login", json={"user": {"email": email, "password": PASSWORD}}, headers=headers)


def register(client: TestClient, username: str, **headers: str) -> Response:
    return client.post("/api/users", json=new_user(username), headers=headers)


def logins(client: TestClient, n: int, **headers: str) -> list[int]:
    return [login(client, **headers).status_code for _ in range(n)]


def assert_rate_limited(response: Response, retry_after: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json() == RATE_LIMITED
    assert response.headers["Retry-After"] == str(retry_after)


@pytest.fixture
def jake(app: FastAPI) -> None:
    """An account, registered from an address of its own (it uses none of the tests' budgets)."""
    assert register(client_at(app, "192.0.2.200"), "jake").status_code == 201


# --- the limit -------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("jake")
def test_the_login_after_the_limit_within_the_window_is_429_with_retry_after(app: FastAPI) -> None:
    client = client_at(app, CLIENT)

    assert logins(client, LOGIN_LIMIT) == [200] * LOGIN_LIMIT
    refused = login(client)

    assert_rate_limited(refused, retry_after=LOGIN_INTERVAL)
    assert refused.headers["content-type"] == "application/json"


@pytest.mark.usefixtures("jake")
def test_failed_and_invalid_attempts_count_and_the_right_password_does_not_get_past_the_limit(app: FastAPI) -> None:
    client = client_at(app, CLIENT)

    wrong = client.post("/api/users/login", json={"user": {"email": "jake@jake.jake", "password": "wrong-password"}})
    invalid_body = client.post("/api/users/login", json={"user": {"email": "jake@jake.jake"}})
    not_an_object = client.post("/api/users/login", json=[])

    assert (wrong.status_code, invalid_body.status_code, not_an_object.status_code) == (401, 422, 422)
    assert_rate_limited(login(client), retry_after=LOGIN_INTERVAL)  # the right password, a 4th attempt
    assert_rate_limited(client.post("/api/users/login", json={"user": {}}), retry_after=LOGIN_INTERVAL)


@pytest.mark.usefixtures("jake")
def test_a_refused_attempt_never_reaches_the_password_check(app: FastAPI, container: Container) -> None:
    client = client_at(app, CLIENT)
    logins(client, LOGIN_LIMIT)
    verified: list[str] = []
    hasher: PasswordHasher = container.password_hasher()
    container.password_hasher.override(providers.Object(_SpyHasher(hasher, verified)))

    statuses = logins(client, 5)

    assert statuses == [429] * 5
    assert verified == []


@pytest.mark.usefixtures("jake")
def test_other_addresses_are_unaffected(app: FastAPI) -> None:
    limited, other = client_at(app, CLIENT), client_at(app, OTHER_CLIENT)
    logins(limited, LOGIN_LIMIT + 2)

    assert logins(other, LOGIN_LIMIT) == [200] * LOGIN_LIMIT
    assert login(limited).status_code == 429


@pytest.mark.usefixtures("jake")
def test_the_window_slides_one_attempt_every_period_over_limit(app: FastAPI, clock: ManualClock) -> None:
    client = client_at(app, CLIENT)
    logins(client, LOGIN_LIMIT)

    clock.advance(LOGIN_INTERVAL - 0.5)
    assert_rate_limited(login(client), retry_after=1)  # 0.5 s left, rounded up
    clock.advance(0.5)
    assert login(client).status_code == 200  # one attempt came back
    assert_rate_limited(login(client), retry_after=LOGIN_INTERVAL)
    clock.advance(60)  # a whole period at rest: the whole burst came back, not more
    assert logins(client, LOGIN_LIMIT + 1) == [200] * LOGIN_LIMIT + [429]


@pytest.mark.usefixtures("jake")
def test_waiting_out_retry_after_always_gets_the_next_attempt_in(app: FastAPI, clock: ManualClock) -> None:
    client = client_at(app, CLIENT)
    logins(client, LOGIN_LIMIT)

    for _ in range(5):
        refused = login(client)
        assert refused.status_code == 429
        clock.advance(int(refused.headers["Retry-After"]))
        assert login(client).status_code == 200


@pytest.mark.usefixtures("jake")
def test_hammering_while_refused_does_not_push_the_retry_time_back(app: FastAPI, clock: ManualClock) -> None:
    client = client_at(app, CLIENT)
    logins(client, LOGIN_LIMIT)

    for _ in range(LOGIN_INTERVAL - 1):
        clock.advance(1)
        assert login(client).status_code == 429
    clock.advance(1)

    assert login(client).status_code == 200


# --- which client ------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("jake")
def test_x_forwarded_for_is_ignored_from_an_untrusted_peer(app: FastAPI) -> None:
    client = client_at(app, CLIENT)

    statuses = [login(client, **{"X-Forwarded-For": f"192.0.2.{n}"}).status_code for n in range(LOGIN_LIMIT + 1)]

    assert statuses == [200] * LOGIN_LIMIT + [429]


@pytest.mark.usefixtures("jake")
def test_x_forwarded_for_names_the_client_behind_a_trusted_proxy(app: FastAPI) -> None:
    proxy = client_at(app, PROXY)

    first = logins(proxy, LOGIN_LIMIT + 1, **{"X-Forwarded-For": CLIENT})
    other = logins(proxy, LOGIN_LIMIT, **{"X-Forwarded-For": OTHER_CLIENT})

    assert first == [200] * LOGIN_LIMIT + [429]
    assert other == [200] * LOGIN_LIMIT  # the proxy itself is not limited: each client behind it is


@pytest.mark.usefixtures("jake")
def test_behind_a_trusted_proxy_entries_the_client_wrote_itself_are_never_read(app: FastAPI) -> None:
    """The trusted proxy appends the address it saw; anything left of it came from the client and is ignored,
    also through a chain of trusted proxies and with several X-Forwarded-For headers."""
    proxy = client_at(app, PROXY)
    forged = [f"192.0.2.{n}, {CLIENT}" for n in range(LOGIN_LIMIT)]

    statuses = [login(proxy, **{"X-Forwarded-For": value}).status_code for value in forged]
    through_a_chain = login(proxy, **{"X-Forwarded-For": f"192.0.2.99, {CLIENT}, 10.1.2.3"})
    split_headers = proxy.post(
        "/api/users/login",
        json={"user": {"email": "jake@jake.jake", "password": PASSWORD}},
        headers=[("X-Forwarded-For", "192.0.2.98"), ("X-Forwarded-For", f"{CLIENT}, 10.9.9.9")],
    )

    assert statuses == [200] * LOGIN_LIMIT
    assert through_a_chain.status_code == 429
    assert split_headers.status_code == 429


@pytest.mark.usefixtures("jake")
def test_a_trusted_proxy_without_x_forwarded_for_is_limited_as_itself(app: FastAPI) -> None:
    proxy = client_at(app, PROXY)

    assert logins(proxy, LOGIN_LIMIT + 1) == [200] * LOGIN_LIMIT + [429]
    assert login(proxy, **{"X-Forwarded-For": CLIENT}).status_code == 200


def test_client_address_rules() -> None:
    limiter = RateLimiter(
        store=InMemoryRateLimitStore(),
        policy=RateLimitPolicy(
            trusted_proxies=(ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8:ffff::/48"))
        ),
    )

    assert limiter.client("203.0.113.7") == "203.0.113.7"
    assert limiter.client("::ffff:203.0.113.7") == "203.0.113.7"  # IPv4-mapped IPv6 is the IPv4 client
    assert limiter.client("2001:db8:1:2:3:4:5:6") == limiter.client("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert limiter.client("2001:db8:1:3::1") == "2001:db8:1:3::/64"  # the next /64 is another client
    assert limiter.client("testclient") == "testclient"  # not an address: the name as it is
    assert limiter.client(None) == "unknown"
    assert limiter.client("203.0.113.7", ["198.51.100.9"]) == "203.0.113.7"  # untrusted peer
    assert limiter.client("10.0.0.5", ["198.51.100.9:4711"]) == "198.51.100.9"
    assert limiter.client("10.0.0.5", ["[2001:db8::1]:443"]) == "2001:db8::/64"
    assert limiter.client("2001:db8:ffff::5", ["198.51.100.9"]) == "198.51.100.9"  # an IPv6 proxy
    assert limiter.client("10.0.0.5", ["10.0.0.7, 10.0.0.6"]) == "10.0.0.7"  # only proxies: the farthest one
    assert limiter.client("10.0.0.5", ["198.51.100.9, garbage"]) == "10.0.0.5"  # unreadable: stay with the proxy
    assert limiter.client("10.0.0.5", ["garbage, 198.51.100.9"]) == "198.51.100.9"
    assert limiter.client("10.0.0.5", [""]) == "10.0.0.5"


# --- registration, and switching it off --------------------------------------------------------------------------


@pytest.mark.usefixtures("jake")
def test_registration_has_its_own_limit(app: FastAPI) -> None:
    client = client_at(app, CLIENT)

    registrations = [register(client, f"user{n}").status_code for n in range(REGISTRATION_LIMIT)]
    refused = register(client, "one-more")
    still_logging_in = logins(client, LOGIN_LIMIT)

    assert registrations == [201] * REGISTRATION_LIMIT
    assert_rate_limited(refused, retry_after=30)  # 2/minute: one every 30 s
    assert still_logging_in == [200] * LOGIN_LIMIT
    assert client.get("/api/profiles/one-more").status_code == 404  # refused before anything was written


@pytest.mark.usefixtures("jake")
def test_logging_in_does_not_use_up_registrations(app: FastAPI) -> None:
    client = client_at(app, CLIENT)
    logins(client, LOGIN_LIMIT + 1)

    assert [register(client, f"user{n}").status_code for n in range(REGISTRATION_LIMIT)] == [201] * REGISTRATION_LIMIT


def test_invalid_registrations_count_too(app: FastAPI) -> None:
    client = client_at(app, CLIENT)

    invalid = [client.post("/api/users", json={"user": {"username": "x"}}) for _ in range(REGISTRATION_LIMIT)]

    assert [response.status_code for response in invalid] == [422] * REGISTRATION_LIMIT
    assert_rate_limited(register(client, "valid"), retry_after=30)


@pytest.mark.parametrize(("path", "method"), [("/api/user", "GET"), ("/api/articles", "GET"), ("/api/tags", "GET")])
@pytest.mark.usefixtures("jake")
def test_only_login_and_registration_are_limited(app: FastAPI, path: str, method: str) -> None:
    client = client_at(app, CLIENT)
    logins(client, LOGIN_LIMIT + 1)
    for n in range(REGISTRATION_LIMIT + 1):
        register(client, f"user{n}")

    assert all(client.request(method, path).status_code != 429 for _ in range(20))


def test_a_disabled_limiter_lets_everything_through(app_with: Callable[..., FastAPI]) -> None:
    client = client_at(app_with(rate_limit_enabled=False, rate_limit_login="1/day"), CLIENT)
    assert register(client, "jake").status_code == 201

    assert logins(client, 30) == [200] * 30
    assert [register(client, f"user{n}").status_code for n in range(30)] == [201] * 30


def test_the_defaults_let_a_person_through_and_stop_a_guesser(app_with: Callable[..., FastAPI]) -> None:
    """10 logins a minute and 60 registrations an hour per address: nobody types a password 10 times in a minute
    (a whole office behind one address signs in now and then: tokens last a week); a guesser does."""
    client = client_at(app_with(), CLIENT)

    registrations = [register(client, f"user{n}").status_code for n in range(61)]
    attempts = logins(client, 11)

    assert registrations == [201] * 60 + [429]
    assert attempts == [401] * 10 + [429]  # user0..59 exist, jake does not: every attempt is a failure


# --- settings ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("10/minute", RateLimit(10, 60)),
        ("5/15minutes", RateLimit(5, 900)),
        (" 100 / Hour ", RateLimit(100, 3600)),
        ("1/second", RateLimit(1, 1)),
        ("30/2 seconds", RateLimit(30, 2)),
        ("1000/day", RateLimit(1000, 86400)),
        ("2/days", RateLimit(2, 86400)),
        ("2/3days", RateLimit(2, 259200)),
    ],
)
def test_limits_parse_from_the_setting_strings(monkeypatch: pytest.MonkeyPatch, text: str, limit: RateLimit) -> None:
    monkeypatch.setenv("RATE_LIMIT_LOGIN", text)
    monkeypatch.setenv("RATE_LIMIT_REGISTRATION", text)

    settings = Settings(_env_file=None)

    assert settings.rate_limit_login == settings.rate_limit_registration == limit
    assert settings.rate_limits.limits == {LOGIN: limit, REGISTRATION: limit}
    assert RateLimit.parse(str(limit)) == limit


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RATE_LIMIT_ENABLED", "RATE_LIMIT_LOGIN", "RATE_LIMIT_REGISTRATION", "TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)

    policy = Settings(_env_file=None).rate_limits

    assert policy == RateLimitPolicy(
        enabled=True, limits={LOGIN: RateLimit(10, 60), REGISTRATION: RateLimit(60, 3600)}, trusted_proxies=()
    )


def test_trusted_proxies_read_as_comma_separated_addresses_and_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", " 10.0.0.0/8, 192.168.1.1 ,::1,")

    proxies = Settings(_env_file=None).rate_limits.trusted_proxies

    assert proxies == tuple(map(ipaddress.ip_network, ["10.0.0.0/8", "192.168.1.1/32", "::1/128"]))


BAD_SETTINGS = [
    ("RATE_LIMIT_LOGIN", "lots"),
    ("RATE_LIMIT_LOGIN", "0/minute"),
    ("RATE_LIMIT_LOGIN", "10/0minutes"),
    ("RATE_LIMIT_LOGIN", "10/fortnight"),
    ("RATE_LIMIT_LOGIN", "10"),
    ("RATE_LIMIT_LOGIN", ""),
    ("RATE_LIMIT_REGISTRATION", "-1/hour"),
    ("RATE_LIMIT_REGISTRATION", "10/minute;100/hour"),
    ("RATE_LIMIT_ENABLED", "maybe"),
    ("TRUSTED_PROXIES", "10.0.0.1/8"),  # host bits set: a typo, not a network
    ("TRUSTED_PROXIES", "proxy.internal"),
]


@pytest.mark.parametrize(("variable", "value"), BAD_SETTINGS)
def test_a_bad_setting_is_refused_at_start_up_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError, match=variable.lower()):
        Settings(_env_file=None)


@pytest.mark.parametrize(("variable", "value"), [("RATE_LIMIT_LOGIN", "lots"), ("TRUSTED_PROXIES", "nope")])
def test_the_cli_names_the_bad_setting_and_exits_2(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)

    result = CliRunner().invoke(cli, ["db", "current"])

    assert result.exit_code == 2
    assert f"invalid setting {variable}" in result.output


# --- the document -------------------------------------------------------------------------------------------------


def test_429_with_retry_after_is_documented_on_login_and_registration_only(app: FastAPI) -> None:
    document = client_at(app, CLIENT).get("/openapi.json").json()

    documented = {
        f"{method.upper()} {path}": operation["responses"]["429"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "429" in operation["responses"]
    }

    assert set(documented) == {"POST /api/users", "POST /api/users/login"}
    for response in documented.values():
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
        assert response["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}


# --- the store -----------------------------------------------------------------------------------------------------


def test_the_store_lets_exactly_the_limit_through_under_concurrent_hits() -> None:
    switch_interval = sys.getswitchinterval()
    store, limit = InMemoryRateLimitStore(clock=lambda: 0.0), RateLimit(1000, 3600)
    allowed: list[int] = []
    barrier = threading.Barrier(8)

    def hammer() -> None:
        barrier.wait()
        allowed.append(sum(store.hit("login:203.0.113.7", limit) == 0 for _ in range(2000)))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    sys.setswitchinterval(1e-6)  # threads switch as often as they can: an unguarded read-then-write loses counts
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch_interval)

    assert sum(allowed) == 1000


def test_the_store_answers_the_exact_wait_and_counts_keys_apart() -> None:
    clock = ManualClock()
    store, limit = InMemoryRateLimitStore(clock=clock), RateLimit(4, 60)

    waits = [store.hit("a", limit) for _ in range(5)]
    clock.advance(10)
    later = store.hit("a", limit)

    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4] == pytest.approx(15)
    assert later == pytest.approx(5)
    assert store.hit("b", limit) == 0


def test_the_store_forgets_clients_at_rest_and_stays_bounded() -> None:
    clock = ManualClock()
    store, limit = InMemoryRateLimitStore(clock=clock, max_keys=3000), RateLimit(5, 60)

    for n in range(2000):
        store.hit(f"old{n}", limit)
    clock.advance(61)  # every old bucket is full again: equivalent to never having been seen
    for n in range(2000):
        store.hit(f"new{n}", limit)
    assert len(store) == 2000  # the old ones are gone
    for n in range(20_000):  # far more live clients than max_keys: the least recently seen go first
        store.hit(f"flood{n}", limit)
        assert len(store) <= 2 * 3000

    assert [store.hit("flood19999", limit) == 0 for _ in range(5)] == [True] * 4 + [False]  # remembered
    assert [store.hit("flood0", limit) == 0 for _ in range(5)] == [True] * 5  # forgotten: a fresh bucket


def test_a_rate_limit_needs_a_request_and_a_period() -> None:
    with pytest.raises(ValueError, match="at least 1 request"):
        RateLimit(0, 60)
    with pytest.raises(ValueError, match="at least 1 request"):
        RateLimit(1, 0)


class _SpyHasher:
    """Records every verification, delegating to the real hasher."""

    def __init__(self, hasher: PasswordHasher, verified: list[str]) -> None:
        self._hasher, self._verified = hasher, verified

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self._verified.append(password)
        return self._hasher.verify(password_hash, password)

    def burn_time(self, password: str) -> None:
        self._verified.append(password)
        self._hasher.burn_time(password)
