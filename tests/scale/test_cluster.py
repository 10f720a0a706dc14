"""Proof that Conduit scales out: a real local cluster (scale/cluster up --replicas 3), then

- a token issued by one host works on another; a write through one host is read through another;
- the login rate limit is one for all hosts: a client gets `limit` attempts in all, not `limit` per host;
- anonymous reads through the hosts are served by the hot standby (through PgBouncer's `conduit_ro`);
- the hot standby serves reads, refuses writes, and follows the primary within a measured lag;
- 200 concurrent clients through PgBouncer never open more server connections than its pool;
- one host killed in the middle of a load run through nginx costs no GET (none failed, none cut off mid-response:
  a host writes each response in one piece), at most one failed POST per concurrent writer, and no write
  half-applied; `cluster up` then restarts it;
- `cluster up` brings back a standby, a host and an nginx master killed with SIGKILL (and stops the dead master's
  workers), leaving what still ran alone; `cluster down` leaves nothing running, listening or configured.

Needs root, PostgreSQL's server binaries and the distribution's nginx and pgbouncer (installed with apt-get when
missing). Hosts run in network namespaces where the machine allows it, else on loopback ports: only the test that
checks the namespaces themselves is skipped then, with the reason. The bed gets a slot of its own (1-9, held with a
lock), so it never meets a cluster an operator runs on slot 0 nor another test run on this machine.
"""

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg2
import pytest

from tests.scale.load import TAGS, Client, article, load_run, register

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "scale" / "cluster"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
LAG_SAMPLES = 200
CLIENTS = 200
READERS = 6  # concurrent GETs in the load run
WRITERS = 3  # concurrent POSTs in the load run: the bound on POSTs a killed host can fail
RESULTS_FILE = "proof-results.json"  # in the slot's state directory: what the tests measured
# The bed's login limit. Per hour, so that the bucket refills one attempt every 3 minutes: none comes back while
# the test runs, and exactly LOGIN_LIMIT get through. Every test that logs in names a client address of its own
# (X-Forwarded-For, which the hosts read from the cluster's side), so none spends another's attempts.
LOGIN_LIMIT = 20


def _missing_prerequisite() -> str | None:
    if os.geteuid() != 0:
        return "the cluster needs root (network namespaces, cgroups, PostgreSQL run as the postgres user)"
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_basebackup").exists():
        return f"PostgreSQL server binaries not found in {PG_BIN} (set PG_BIN)"
    if shutil.which("runuser") is None:
        return "runuser (util-linux) is missing"
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        return "no `postgres` OS user to run PostgreSQL and PgBouncer as"
    for binary in ("nginx", "pgbouncer"):
        if not (shutil.which(binary) or Path(f"/usr/sbin/{binary}").exists()) and shutil.which("apt-get") is None:
            return f"{binary} is missing and there is no apt-get to install the distribution's package"
    return None


@contextlib.contextmanager
def free_slot() -> Iterator[int]:
    """A slot (1-9) no other test run on this machine holds, for as long as the module runs."""
    for slot in range(1, 10):
        with Path(f"/tmp/conduit-scale-slot{slot}.lock").open("w") as handle:  # noqa: S108 - machine-wide on purpose
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            yield slot
            return
    pytest.skip("all 9 cluster slots are held by other test runs on this machine")


def cluster(slot: int, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLUSTER), "--slot", str(slot), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def status(slot: int) -> dict[str, Any]:
    result = cluster(slot, "status", "--json", timeout=60)
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.fixture(scope="module")
def bed() -> Iterator[dict[str, Any]]:
    missing = _missing_prerequisite()
    if missing:
        pytest.skip(f"scale-out proof skipped: {missing}")
    with free_slot() as slot:
        try:
            started = cluster(
                slot, "up", "--replicas", "3", "--cpu-quota", "none", "--login-limit", f"{LOGIN_LIMIT}/hour"
            )
            assert started.returncode == 0, f"cluster up failed:\n{started.stderr}"
            info = status(slot)
            assert info["healthy"], json.dumps(info["components"], indent=1)
            info["results"] = {}
            yield info
        finally:
            stopped = cluster(slot, "down", timeout=180)
            assert stopped.returncode == 0, stopped.stderr


def host_url(bed: dict[str, Any], host: int) -> str:
    url: str = bed["hosts"][str(host)]["url"]
    return url


def record(bed: dict[str, Any], name: str, values: dict[str, Any]) -> None:
    """Measured numbers, kept next to the cluster's logs (and printed with -s) for scale/RESULTS.md."""
    bed["results"][name] = values
    path = Path(bed["state_dir"]) / "logs" / RESULTS_FILE
    path.write_text(json.dumps(bed["results"], indent=2) + "\n")
    print(f"\n{name}: {json.dumps(values)}")


def primary(bed: dict[str, Any]) -> "psycopg2.extensions.connection":
    connection = psycopg2.connect(bed["primary"], connect_timeout=5)
    connection.autocommit = True
    return connection


def standby(bed: dict[str, Any]) -> "psycopg2.extensions.connection":
    connection = psycopg2.connect(bed["standby"], connect_timeout=5)
    connection.autocommit = True
    return connection


# -------------------------------------------------------------------------------------------------------- the bed


def test_every_host_runs_in_a_network_namespace_of_its_own(bed: dict[str, Any]) -> None:
    if bed["mode"] != "netns":
        pytest.skip(
            f"network namespaces are not allowed here ({bed['mode_reason']}): the hosts ran on loopback ports"
            " instead, and the other tests ran on them"
        )
    ours = os.readlink("/proc/self/ns/net")
    namespaces = {os.readlink(f"/proc/{host['pid']}/ns/net") for host in bed["hosts"].values()}
    assert len(namespaces) == 3
    assert ours not in namespaces


def test_status_is_healthy_and_up_again_changes_nothing(bed: dict[str, Any]) -> None:
    pids = {name: host["pid"] for name, host in bed["hosts"].items()}
    again = cluster(bed["slot"], "up")
    assert again.returncode == 0, again.stderr
    assert "starting" not in again.stderr  # idempotent: nothing (re)started
    after = status(bed["slot"])
    assert after["healthy"]
    assert {name: host["pid"] for name, host in after["hosts"].items()} == pids


# ----------------------------------------------------------------------------------------- stateless app tier


def test_a_token_issued_by_one_host_works_on_another(bed: dict[str, Any]) -> None:
    username, token = register(host_url(bed, 1))
    for host in (2, 3):
        status_code, document = Client(host_url(bed, host)).request("GET", "/api/user", token=token)
        assert status_code == 200, document
        assert document["user"]["username"] == username
    # and a sign-in on host 3 is good on host 1
    credentials = {"user": {"email": f"{username}@scale.test", "password": "scale-test-pw"}}
    client = Client(host_url(bed, 3), forwarded_for="198.51.100.3")  # its own client address (LOGIN_LIMIT)
    status_code, document = client.request("POST", "/api/users/login", credentials)
    assert status_code == 200, document
    status_code, _ = Client(host_url(bed, 1)).request("GET", "/api/user", token=document["user"]["token"])
    assert status_code == 200


def test_a_write_through_one_host_is_read_through_another(bed: dict[str, Any]) -> None:
    _, token = register(host_url(bed, 1))
    title = f"written on host 1 {uuid.uuid4().hex[:8]}"
    status_code, created = Client(host_url(bed, 1)).request("POST", "/api/articles", article(title), token=token)
    assert status_code == 201, created
    slug = created["article"]["slug"]
    # The author reads it back at once on host 2 (whichever database host 2 reads from).
    status_code, read = Client(host_url(bed, 2)).request("GET", f"/api/articles/{slug}", token=token)
    assert status_code == 200, read
    assert read["article"]["title"] == title
    # An update through host 2 is what an anonymous reader gets from host 3, within the standby's lag at most.
    change = {"article": {"body": "changed on host 2"}}
    status_code, _ = Client(host_url(bed, 2)).request("PUT", f"/api/articles/{slug}", change, token=token)
    assert status_code == 200
    deadline = time.monotonic() + 5
    while True:
        status_code, read = Client(host_url(bed, 3)).request("GET", f"/api/articles/{slug}")
        if status_code == 200 and read["article"]["body"] == "changed on host 2":
            break
        assert time.monotonic() < deadline, (status_code, read)
        time.sleep(0.02)


def test_the_login_limit_is_counted_once_for_all_hosts(bed: dict[str, Any]) -> None:
    assert bed["login_limit"] == f"{LOGIN_LIMIT}/hour"
    username, _ = register(bed["nginx"])
    credentials = {"user": {"email": f"{username}@scale.test", "password": "scale-test-pw"}}
    # One client, as nginx would name it to the hosts (X-Forwarded-For from the cluster's side, which the hosts
    # trust: TRUSTED_PROXIES), sent straight to host 1 and host 2 in turn, twice the limit and more.
    client_address = "203.0.113.20"
    hosts = {host: Client(host_url(bed, host), forwarded_for=client_address) for host in (1, 2)}
    answers: dict[int, list[int]] = {1: [], 2: []}
    started = time.monotonic()
    for attempt in range(2 * LOGIN_LIMIT + 10):
        host = 1 + attempt % 2
        status_code, document = hosts[host].request("POST", "/api/users/login", credentials)
        assert status_code in (200, 429), (status_code, document)
        answers[host].append(status_code)
    elapsed = time.monotonic() - started
    allowed = {host: sum(1 for code in codes if code != 429) for host, codes in answers.items()}
    # Another client is not held back by this one's attempts, on either host.
    other = Client(host_url(bed, 2), forwarded_for="203.0.113.21").request("POST", "/api/users/login", credentials)
    record(
        bed,
        "shared_login_limit",
        {"limit": bed["login_limit"], "attempts": 2 * LOGIN_LIMIT + 10, "allowed_per_host": allowed,
         "seconds": round(elapsed, 2)},
    )  # fmt: skip
    # Counted per host, each would have let LOGIN_LIMIT through: 2 x LOGIN_LIMIT in all.
    assert sum(allowed.values()) == LOGIN_LIMIT, answers
    assert allowed == {1: LOGIN_LIMIT // 2, 2: LOGIN_LIMIT // 2}, answers  # in turn: each host spent half of it
    assert all(code == 429 for codes in answers.values() for code in codes[LOGIN_LIMIT // 2 :]), answers
    assert other[0] == 200, other


def pgbouncer_admin(bed: dict[str, Any], command: str) -> list[dict[str, Any]]:
    """A SHOW command of PgBouncer's admin console, as dicts."""
    url = bed["pgbouncer"].replace(f"{bed['app_role']}@", "postgres@").rsplit("/", 1)[0] + "/pgbouncer"
    connection = psycopg2.connect(url, connect_timeout=5)
    connection.autocommit = True  # the console takes no transactions
    try:
        with connection.cursor() as cursor:
            cursor.execute(command)
            columns = [column[0] for column in cursor.description or ()]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


def test_anonymous_reads_through_the_hosts_are_served_by_the_standby(bed: dict[str, Any]) -> None:
    def queries() -> dict[str, int]:
        return {row["database"]: int(row["total_query_count"]) for row in pgbouncer_admin(bed, "SHOW STATS")}

    username, _ = register(bed["nginx"])
    time.sleep(0.5)  # the reads below are anonymous: nothing of read-your-writes keeps them on the primary
    paths = ["/api/articles?limit=5", f"/api/profiles/{username}", f"/api/articles?author={username}"]
    reads_per_host = 30
    before = queries()
    for host in (1, 2, 3):
        client = Client(host_url(bed, host))
        for number in range(reads_per_host):
            status_code, document = client.request("GET", paths[number % len(paths)])
            assert status_code == 200, document
        client.close()
    time.sleep(0.2)
    after = queries()
    on_standby = after.get("conduit_ro", 0) - before.get("conduit_ro", 0)
    on_primary = after.get("conduit", 0) - before.get("conduit", 0)
    clients = pgbouncer_admin(bed, "SHOW CLIENTS")
    reading_from = sorted({row["addr"] for row in clients if row["database"] == "conduit_ro"})
    with contextlib.closing(standby(bed)) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND backend_type = 'client backend'",
            (bed["app_role"],),
        )
        row = cursor.fetchone()
    standby_backends = row[0] if row else 0
    reads = 3 * reads_per_host
    record(
        bed,
        "reads_on_standby",
        {"anonymous_gets": reads, "queries_on_standby": on_standby, "queries_on_primary": on_primary,
         "hosts_connected_to_standby": reading_from, "app_backends_on_standby": standby_backends},
    )  # fmt: skip
    # Every read was answered from the standby (at least one statement each, through PgBouncer's conduit_ro) ...
    assert on_standby >= reads, (on_standby, on_primary)
    # ... and the primary, through PgBouncer, saw next to none of them (readiness checks at most).
    assert on_primary < reads // 3, (on_standby, on_primary)
    # The standby has the application's connections, and each host holds its own to it.
    assert standby_backends >= 1
    if bed["mode"] == "netns":
        hosts = {urlsplit(host_url(bed, host)).hostname for host in (1, 2, 3)}
        assert hosts <= set(reading_from), reading_from


# ------------------------------------------------------------------------------------------------ the database


def test_the_standby_serves_reads_refuses_writes_and_follows_the_primary(bed: dict[str, Any]) -> None:
    with contextlib.closing(primary(bed)) as writer, contextlib.closing(standby(bed)) as reader:
        with reader.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            assert cursor.fetchone() == (True,)
            with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction, match="read-only transaction"):
                cursor.execute("CREATE TABLE nope (id int)")
        with writer.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS scale_lag_probe (id bigint PRIMARY KEY, at timestamptz)")
            cursor.execute("CREATE TABLE IF NOT EXISTS scale_lag_ballast (id bigserial PRIMARY KEY, pad text)")
        # The tables reach the standby by replay too: what is measured below is the lag of rows, not of this DDL.
        with reader.cursor() as cursor:
            deadline = time.monotonic() + 10
            while True:
                cursor.execute("SELECT to_regclass('scale_lag_probe') IS NOT NULL")
                if cursor.fetchone() == (True,):
                    break
                assert time.monotonic() < deadline, "the probe table did not reach the standby in 10 s"
                time.sleep(0.01)

        # Background writes, so that the standby follows a primary that is busy, not an idle one.
        stop = threading.Event()
        ballast = {"rows": 0}

        def churn() -> None:
            with contextlib.closing(primary(bed)) as connection, connection.cursor() as cursor:
                while not stop.is_set():
                    cursor.execute(
                        "INSERT INTO scale_lag_ballast (pad) SELECT repeat('x', 200) FROM generate_series(1, 20)"
                    )
                    ballast["rows"] += 20

        background = threading.Thread(target=churn)
        background.start()
        lags: list[float] = []
        try:
            with writer.cursor() as write, reader.cursor() as read:
                for number in range(LAG_SAMPLES):
                    write.execute("INSERT INTO scale_lag_probe VALUES (%s, now())", (number,))  # autocommit
                    committed = time.perf_counter()
                    while True:
                        read.execute("SELECT 1 FROM scale_lag_probe WHERE id = %s", (number,))
                        if read.fetchone():
                            break
                        assert time.perf_counter() - committed < 10, f"write {number} not on the standby after 10 s"
                    lags.append(time.perf_counter() - committed)
        finally:
            stop.set()
            background.join(timeout=10)
        with writer.cursor() as cursor:
            cursor.execute("DROP TABLE scale_lag_probe, scale_lag_ballast")

    lags.sort()
    measured = {
        "samples": len(lags),
        "p50_ms": round(lags[len(lags) // 2] * 1000, 2),
        "p95_ms": round(lags[int(len(lags) * 0.95)] * 1000, 2),
        "max_ms": round(lags[-1] * 1000, 2),
        "background_rows": ballast["rows"],
    }
    record(bed, "standby_lag", measured)
    assert lags[-1] < 5.0, measured  # generous: a bound, not a benchmark


def test_pgbouncer_never_opens_more_server_connections_than_its_pool(bed: dict[str, Any]) -> None:
    pool_size = bed["pool_size"]
    barrier = threading.Barrier(CLIENTS, timeout=60)
    errors: list[str] = []
    stop = threading.Event()
    peak = {"concurrent": 0}
    seen: set[int] = set()

    def sample() -> None:
        with contextlib.closing(primary(bed)) as connection, connection.cursor() as cursor:
            while not stop.is_set():
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE usename = %s AND datname = 'conduit'"
                    " AND backend_type = 'client backend'",
                    (bed["app_role"],),
                )
                pids = {row[0] for row in cursor.fetchall()}
                seen.update(pids)
                peak["concurrent"] = max(peak["concurrent"], len(pids))
                time.sleep(0.005)

    def client() -> None:
        try:
            connection = psycopg2.connect(bed["pgbouncer"], connect_timeout=30)
        except psycopg2.Error as error:
            errors.append(f"connect: {error}")
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.abort()
            return
        try:
            barrier.wait()  # all 200 connected to PgBouncer before anyone starts
            for _ in range(3):
                with connection, connection.cursor() as cursor:  # a transaction
                    cursor.execute("SELECT pg_sleep(0.05)")
        except (psycopg2.Error, threading.BrokenBarrierError) as error:
            errors.append(repr(error))
        finally:
            connection.close()

    sampler = threading.Thread(target=sample)
    sampler.start()
    clients = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.monotonic()
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    stop.set()
    sampler.join(timeout=10)
    measured = {
        "clients": CLIENTS,
        "transactions": CLIENTS * 3,
        "pool_size": pool_size,
        "peak_server_connections": peak["concurrent"],
        "distinct_server_backends": len(seen),
        "seconds": round(elapsed, 2),
    }
    record(bed, "pgbouncer", measured)
    assert not errors, errors[:5]
    assert peak["concurrent"] <= pool_size, measured
    # the pool was really used to the full (200 x 3 x 50 ms cannot fit in 20 connections without queueing)
    assert peak["concurrent"] >= pool_size // 2, measured


# ---------------------------------------------------------------------------------------- a host dies under load


def test_a_host_killed_under_load_errors_no_get_and_half_applies_no_post(bed: dict[str, Any]) -> None:
    nginx = bed["nginx"]
    username, token = register(nginx)
    for number in range(5):
        status_code, _ = Client(nginx).request("POST", "/api/articles", article(f"seed {number} {username}"), token)
        assert status_code == 201
    reads = ["/api/articles?limit=20", f"/api/articles?author={username}", "/api/tags", f"/api/profiles/{username}"]
    victim = bed["hosts"]["2"]["pid"]

    def kill() -> None:
        os.kill(victim, signal.SIGKILL)

    outcome = load_run(nginx, token, reads, seconds=8, readers=READERS, writers=WRITERS, at=3.0, action=kill)

    with contextlib.closing(primary(bed)) as connection, connection.cursor() as cursor:
        titles = outcome.posts_ok + [title for title, _ in outcome.posts_failed]
        cursor.execute(
            "SELECT title, count(*), min(array_length(tags, 1)) FROM articles WHERE title = ANY(%s) GROUP BY title",
            (titles,),
        )
        stored = {title: (count, tags) for title, count, tags in cursor.fetchall()}
        # The counters are kept by triggers in each write's own transaction: equal to the rows, or a write was cut
        # in half (its row without its counters, or the reverse).
        cursor.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT coalesce(sum(articles), 0) FROM article_totals),"
            " (SELECT count(*) FROM articles a JOIN users u ON u.id = a.author_id WHERE u.username = %s),"
            " (SELECT c.articles FROM user_article_counts c JOIN users u ON u.id = c.user_id WHERE u.username = %s),"
            " (SELECT articles FROM tags WHERE name = 'load'),"
            " (SELECT count(*) FROM articles WHERE 'load' = ANY(tags))",
            (username, username),
        )
        counts = cursor.fetchone()
        assert counts is not None
        rows, total, authored, author_counter, tag_counter, tagged = counts

    # Informational here (test_anonymous_reads_through_the_hosts_are_served_by_the_standby asserts it).
    with contextlib.closing(standby(bed)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (bed["app_role"],))
        row = cursor.fetchone()
    standby_backends = row[0] if row else 0

    restarted = cluster(bed["slot"], "up")
    measured = {
        "seconds": 8,
        "killed_at_s": 3.0,
        "gets": outcome.gets,
        "failed_gets": len(outcome.get_failures),
        "gets_cut_mid_response": len(outcome.gets_cut),
        "posts_ok": len(outcome.posts_ok),
        "posts_failed": len(outcome.posts_failed),
        "failed_posts_applied": sum(1 for title, _ in outcome.posts_failed if title in stored),
        "failures": [failure for _, failure in outcome.posts_failed][:5],
        "app_connections_on_standby": standby_backends,
    }
    record(bed, "host_killed", measured)

    # Every GET in flight on the dead host before it answered was retried by nginx on another: none got an error.
    assert outcome.get_failures == [], outcome.get_failures[:10]
    # None was cut off mid-response either. nginx cannot retry a request once it has passed a status line on
    # ("fixing this is impossible", says proxy_next_upstream's documentation); a host used to write the headers
    # and the body in two writes, and one killed between them broke the client's connection. Each response now
    # leaves in one write (entrypoints/http/serving.py, CoalescedWrites): a killed host has sent all of it or none,
    # and none is retried. See scale/RESULTS.md.
    assert outcome.gets_cut == [], outcome.gets_cut
    assert outcome.gets > 100, measured  # the load really ran
    assert len(outcome.posts_ok) > 20, measured
    assert len(outcome.posts_failed) <= WRITERS, measured  # only the POSTs in flight on the killed host
    for title in outcome.posts_ok:
        assert stored.get(title, (0, 0)) == (1, len(TAGS)), title  # answered 201: there, once, whole
    for title, _ in outcome.posts_failed:
        assert stored.get(title, (0, len(TAGS))) in {(0, len(TAGS)), (1, len(TAGS))}, title  # all or nothing
    assert (total, author_counter, tag_counter) == (rows, authored, tagged)

    # `cluster up` brings the killed host back; the bed is whole again.
    assert restarted.returncode == 0, restarted.stderr
    assert "starting conduit host 2" in restarted.stderr
    assert status(bed["slot"])["healthy"]


# ------------------------------------------------------------------------------------- repair and removal (last)


def listeners(port: int) -> set[int]:
    """The processes listening on the port on this machine."""
    found = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=False).stdout
    return {int(pid) for pid in re.findall(r"pid=(\d+)", found)}


def running(pid: int) -> bool:
    """Alive: a zombie (killed, not yet reaped by whoever inherited it) has an empty command line."""
    try:
        return bool(Path(f"/proc/{pid}/cmdline").read_bytes())
    except OSError:
        return False


def bed_ports(bed: dict[str, Any]) -> list[int]:
    urls = (bed["nginx"], bed["primary"], bed["standby"], bed["pgbouncer"])
    return [port for port in (urlsplit(url).port for url in urls) if port is not None]


def nginx_master_and_workers(bed: dict[str, Any]) -> tuple[int, set[int]]:
    master = int((Path(bed["state_dir"]) / "nginx.pid").read_text())
    port = urlsplit(bed["nginx"]).port
    assert port is not None
    return master, listeners(port) - {master}


def test_up_brings_back_a_killed_standby_host_and_nginx(bed: dict[str, Any]) -> None:
    slot, before = bed["slot"], status(bed["slot"])
    standby_postmaster = int((Path(bed["state_dir"]) / "pg-standby" / "postmaster.pid").read_text().split()[0])
    nginx, workers = nginx_master_and_workers(before)
    assert workers  # nginx's workers hold the port too, and outlive a master killed with SIGKILL
    for pid in (standby_postmaster, before["hosts"]["3"]["pid"], nginx):
        os.kill(pid, signal.SIGKILL)
    broken = status(slot)
    assert not broken["healthy"]

    repaired = cluster(slot, "up")

    assert repaired.returncode == 0, repaired.stderr
    for what in ("PostgreSQL standby", "conduit host 3", "nginx"):
        assert f"starting {what}" in repaired.stderr, repaired.stderr
    after = status(slot)
    assert after["healthy"], json.dumps(after["components"], indent=1)
    for host in ("1", "2"):  # what still ran was left alone
        assert after["hosts"][host]["pid"] == before["hosts"][host]["pid"]
    assert not (listeners(urlsplit(bed["nginx"]).port or 0) & workers)  # the dead master's workers were stopped
    status_code, _ = Client(bed["nginx"]).request("GET", "/api/articles?limit=1")
    assert status_code == 200


def test_down_stops_and_removes_everything_up_started(bed: dict[str, Any]) -> None:
    slot, info = bed["slot"], status(bed["slot"])
    host_pids = [host["pid"] for host in info["hosts"].values()]
    nginx, workers = nginx_master_and_workers(info)
    os.kill(nginx, signal.SIGKILL)  # the hard case: workers whose master is gone

    stopped = cluster(slot, "down", timeout=180)
    again = cluster(slot, "down", timeout=180)

    assert stopped.returncode == 0, stopped.stderr
    assert again.returncode == 0, again.stderr  # idempotent
    assert all(not listeners(port) for port in bed_ports(info)), {port: listeners(port) for port in bed_ports(info)}
    assert not [pid for pid in [*host_pids, *workers] if running(pid)]
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    assert f"conduit{slot}-h" not in namespaces
    assert subprocess.run(["ip", "link", "show", f"conduit-br{slot}"], capture_output=True, check=False).returncode
    assert not Path(f"/sys/fs/cgroup/cpu/conduit-scale{slot}").exists()
    assert not Path(f"/sys/fs/cgroup/conduit-scale{slot}").exists()
    assert not status(slot)["healthy"]
