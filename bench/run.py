"""Benchmark Conduit with wrk on this machine: seed, serve, load every endpoint, write a table and a chart.

    ./run bench [--scale small|large] [--workers N] [--duration 15] [--connections 32] [--threads 2]

Only ever targets 127.0.0.1; every step is bounded in time. Results go to bench/results/<scale>-w<N>.{md,png,json}.

The load generator, the server and PostgreSQL share this machine's cores, and Linux's autogroup scheduler, which
shares the CPU between sessions rather than processes, stalled PostgreSQL for whole seconds in multi-worker runs
(bench/scheduling.py tells how). As root the run turns autogroup off (kernel.sched_autogroup_enabled) and restores
it afterwards; --keep-autogroup leaves it alone. The results say which it was.
"""

import argparse
import contextlib
import json
import math
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import psutil
from scheduling import scheduler_without_autogroup  # bench/, beside this script

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CONDUIT = str(Path(sys.executable).with_name("conduit"))
HOST = "127.0.0.1"  # the only host this script ever talks to
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SINGLE_CONNECTION = "(1 connection)"
# The ratios' base: SELECT 1 measured before the reads and again after them. This machine's speed drifts by a
# tenth or more within minutes; the mean of both brackets the reads rather than trusting the first minute alone.
SELECT_ONE = "ceiling: SELECT 1"
SELECT_ONE_AGAIN = "ceiling: SELECT 1 (again, after the reads)"


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    signed_in: bool = False
    ceiling: bool = False
    single_connection: bool = False  # one wrk thread, one keep-alive connection: a request's own latency


@dataclass
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def main() -> None:
    args = parse_args()
    ensure_wrk()
    database_url = prepare_database(args.scale, args.admin_url, reseed=args.reseed)
    seeded = json.loads((RESULTS / f"seed-{args.scale}.json").read_text())
    port = free_port()
    # The login rate limit is for brute force, not for a load generator on 127.0.0.1.
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CONDUIT_BENCH_ROUTES": "true",
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_ENABLED": "false",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with scheduler_without_autogroup(keep=args.keep_autogroup) as scheduling:
        results, peak_rss = serve_and_load(args, env, seeded, port)
    write_results(args, results, peak_rss, seeded, scheduling)


def serve_and_load(
    args: argparse.Namespace, env: dict[str, str], seeded: dict[str, Any], port: int
) -> tuple[list[Result], list[int]]:
    server = subprocess.Popen(
        [CONDUIT, "serve", "--host", HOST, "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://{HOST}:{port}"
    try:
        wait_until_up(base, server)
        endpoints, token = plan(base, seeded)
        if args.workers > 1:
            endpoints += single_connection_runs(endpoints)
        if args.only:
            endpoints = [e for e in endpoints if e.name in args.only.split(",")]
        results: list[Result] = []
        peak_rss: dict[int, int] = {}  # worker pid -> peak resident bytes
        for endpoint in endpoints:
            print(f"  {endpoint.name} ...", file=sys.stderr, flush=True)
            sampler = RssSampler(server.pid)
            sampler.start()
            results.append(run_wrk(base, endpoint, args, token))
            for pid, peak in sampler.stop().items():
                peak_rss[pid] = max(peak_rss.get(pid, 0), peak)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results, list(peak_rss.values())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="small", choices=["small", "medium", "large"])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", help="comma-separated endpoint names to run")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the benchmark database again")
    parser.add_argument(
        "--keep-autogroup", action="store_true", help="leave the kernel's autogroup scheduling as it is (see above)"
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_ADMIN_URL", LOCAL_SERVER),
        help="a PostgreSQL on 127.0.0.1 where the benchmark database is created",
    )
    args = parser.parse_args()
    if "127.0.0.1" not in args.admin_url and "localhost" not in args.admin_url:
        parser.error("the benchmark only runs against a database on 127.0.0.1")
    return args


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk from the distribution ...", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, timeout=600, capture_output=True)
        return
    raise SystemExit("wrk is needed: apt-get install wrk")


def prepare_database(scale: str, admin_url: str, *, reseed: bool) -> str:
    """`conduit_bench_<scale>`, migrated and seeded once; reused by later runs unless --reseed (and brought to the
    latest migration first: a backfill on the large data set may take minutes, which the server's start must not)."""
    name = f"conduit_bench_{scale}"
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    seed_file = RESULTS / f"seed-{scale}.json"
    exists = psql(admin_url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
    if exists and seed_file.exists() and not reseed:
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run([CONDUIT, "db", "upgrade"], env=env, check=True, timeout=1800, capture_output=True)
        return url
    if exists:
        psql(admin_url, f'DROP DATABASE "{name}" WITH (FORCE)')
    psql(admin_url, f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([CONDUIT, "db", "upgrade"], env=env, check=True, timeout=300, capture_output=True)
    print(f"seeding {scale} ...", file=sys.stderr, flush=True)
    seeded = subprocess.run(
        [CONDUIT, "seed", "--scale", scale, "--json"], env=env, check=True, timeout=3600, stdout=subprocess.PIPE
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    seed_file.write_bytes(seeded.stdout)
    psql(url, "VACUUM ANALYZE")
    return url


def psql(url: str, sql: str) -> str:
    import psycopg2  # noqa: PLC0415

    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            row = cursor.fetchone() if cursor.description else None
            return str(row[0]) if row else ""
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def call(base: str, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
        return json.loads(response.read() or b"null")


def wait_until_up(base: str, server: "subprocess.Popen[bytes]") -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("conduit serve exited")
        try:
            call(base, "GET", "/api/tags")
            return
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    raise SystemExit("conduit serve did not start in 120 s")


def plan(base: str, seeded: dict[str, Any]) -> tuple[list[Endpoint], str]:
    """Every endpoint of the issue, on real data: a seeded user (who follows and favorites), a tag, a slug."""
    login = {"user": {"email": seeded["sample_emails"][0], "password": seeded["demo_password"]}}
    user = call(base, "POST", "/api/users/login", login)["user"]
    token, username = user["token"], user["username"]
    tag = call(base, "GET", "/api/tags")["tags"][0]
    article = call(base, "GET", "/api/articles?limit=1")["articles"][0]
    slug, author = article["slug"], article["author"]["username"]
    new_article = {"article": {"title": "Benchmark", "description": "d", "body": "b", "tagList": ["bench"]}}
    return [
        Endpoint("ceiling: constant JSON", "GET", "/bench/constant", ceiling=True),
        Endpoint(SELECT_ONE, "GET", "/bench/select1", ceiling=True),
        Endpoint("list articles (anonymous)", "GET", "/api/articles?limit=20"),
        Endpoint("list articles (signed in)", "GET", "/api/articles?limit=20", signed_in=True),
        Endpoint("list by tag", "GET", f"/api/articles?tag={tag}&limit=20"),
        Endpoint("list by author", "GET", f"/api/articles?author={author}&limit=20"),
        Endpoint("list by favorited", "GET", f"/api/articles?favorited={username}&limit=20"),
        Endpoint("feed", "GET", "/api/articles/feed?limit=20", signed_in=True),
        Endpoint("one article", "GET", f"/api/articles/{slug}"),
        Endpoint("comments", "GET", f"/api/articles/{slug}/comments"),
        Endpoint("current user", "GET", "/api/user", signed_in=True),
        Endpoint("tags", "GET", "/api/tags"),
        Endpoint(SELECT_ONE_AGAIN, "GET", "/bench/select1", ceiling=True),
        Endpoint("login", "POST", "/api/users/login", body=login),
        Endpoint("create article", "POST", "/api/articles", body=new_article, signed_in=True),
        Endpoint("favorite", "POST", f"/api/articles/{slug}/favorite", signed_in=True),
    ], token


def single_connection_runs(endpoints: list[Endpoint]) -> list[Endpoint]:
    """With several workers, the constant ceiling and one article again on a single keep-alive connection: where a
    lost TCP_NODELAY (uvicorn issue 3149) shows as ~40 ms per response, i.e. ~25 req/s instead of thousands."""
    chosen = [e for e in endpoints if e.name in {"ceiling: constant JSON", "one article"}]
    return [replace(e, name=f"{e.name} {SINGLE_CONNECTION}", single_connection=True) for e in chosen]


def run_wrk(base: str, endpoint: Endpoint, args: argparse.Namespace, token: str) -> Result:
    script = ["wrk.method = " + json.dumps(endpoint.method), 'wrk.headers["Content-Type"] = "application/json"']
    if endpoint.body is not None:
        script.append("wrk.body = " + json.dumps(json.dumps(endpoint.body)))
    if endpoint.signed_in:
        script.append(f'wrk.headers["Authorization"] = "Token {token}"')
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write("\n".join(script) + "\n")
    threads, connections = (1, 1) if endpoint.single_connection else (args.threads, args.connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{args.duration}s", "--latency", "-s", lua.name]
    try:
        output = subprocess.run(
            [*command, base + endpoint.path], capture_output=True, text=True, timeout=args.duration + 60, check=True
        ).stdout
    finally:
        os.unlink(lua.name)
    return parse_wrk(endpoint.name, output)


def parse_wrk(name: str, output: str) -> Result:
    def latency_ms(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, flags=re.MULTILINE)
        if not match:
            return float("nan")
        value, unit = float(match[1]), match[2]
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    requests = int(re.search(r"(\d+) requests in", output)[1])  # type: ignore[index]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(non_2xx[1]) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Result(name, rps, latency_ms("50"), latency_ms("99"), errors, requests)


class RssSampler:
    """Peak resident memory of each worker process, sampled while an endpoint is under load.

    With --workers N the serving processes are the children that multiprocessing spawned; the supervisor (which
    only watches them) and multiprocessing's resource tracker are left out. With one worker, `conduit serve` itself
    serves. An embedded PostgreSQL is never counted.
    """

    def __init__(self, pid: int) -> None:
        self._root, self._running = psutil.Process(pid), True
        self._peaks: dict[int, int] = {}  # pid -> peak resident bytes
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict[int, int]:
        self._running = False
        self._thread.join()
        return self._peaks

    def workers(self) -> list[psutil.Process]:
        spawned = []
        for child in self._root.children(recursive=True):
            with contextlib.suppress(psutil.Error):  # a process may end between listing and reading
                if "spawn_main" in " ".join(child.cmdline()):
                    spawned.append(child)
        return spawned or [self._root]

    def _sample(self) -> None:
        while self._running:
            for process in self.workers():
                with contextlib.suppress(psutil.Error):
                    self._peaks[process.pid] = max(self._peaks.get(process.pid, 0), process.memory_info().rss)
            time.sleep(0.5)


def write_results(
    args: argparse.Namespace, results: list[Result], peak_rss: list[int], seeded: dict[str, Any], scheduling: str
) -> None:
    ceilings = [r.requests_per_second for r in results if r.name in {SELECT_ONE, SELECT_ONE_AGAIN}]
    ceiling = statistics.fmean(ceilings) if ceilings else float("nan")
    stem = RESULTS / f"{args.scale}-w{args.workers}"
    machine = (
        f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total // 2**30} GiB, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )
    lines = [
        f"# Conduit benchmark: `{args.scale}` data set, {args.workers} worker(s)",
        "",
        f"- Machine: {machine}; {scheduling}",
        f"- Load: wrk, {args.threads} threads, {args.connections} connections, {args.duration} s per endpoint, "
        "on the same machine"
        + ("; rows marked (1 connection): 1 thread, 1 keep-alive connection" if args.workers > 1 else ""),
        f"- Data: {seeded.get('counts')}",
        f"- Peak resident memory per worker process under load: {max(peak_rss, default=0) / 2**20:.0f} MiB"
        + (f" (each worker: {', '.join(f'{rss / 2**20:.0f}' for rss in peak_rss)} MiB)" if len(peak_rss) > 1 else ""),
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- Ratios: to {ceiling:,.0f} req/s, the mean of the SELECT 1 ceiling before and after the reads"
        f" ({' and '.join(f'{c:,.0f}' for c in ceilings)})",
        "",
        "| endpoint | req/s | p50 (ms) | p99 (ms) | errors | vs SELECT 1 ceiling |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r.requests_per_second / ceiling if ceiling > 0 else float("nan")
        versus = "" if r.name.endswith(SINGLE_CONNECTION) else f"{ratio:.0%}"  # one connection is another load
        lines.append(
            f"| {r.name} | {r.requests_per_second:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | {versus} |"
        )
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    stem.with_suffix(".json").write_text(
        json.dumps(
            {
                "machine": machine,
                "workers": args.workers,
                "scheduling": scheduling,
                "peak_rss": max(peak_rss, default=0),
                "peak_rss_per_worker": peak_rss,
                "results": [asdict(r) for r in results],
            },
            indent=2,
        )
    )
    chart(results, ceiling, stem.with_suffix(".png"), title=f"Conduit, {args.scale} data set, {args.workers} worker(s)")
    print("\n".join(lines))


def chart(results: list[Result], ceiling: float, path: Path, *, title: str) -> None:
    import matplotlib  # noqa: PLC0415 - only the bench needs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    names = [r.name for r in results][::-1]
    values = [r.requests_per_second for r in results][::-1]
    figure, axes = plt.subplots(figsize=(9, 0.4 * len(results) + 1.5))
    axes.barh(names, values, color=["#999" if "ceiling" in n else "#5cb85c" for n in names])
    if not math.isnan(ceiling):
        axes.axvline(ceiling, color="#d9534f", linestyle="--", label="SELECT 1 ceiling (mean of its two runs)")
        axes.legend(loc="lower right")
    for y, value in enumerate(values):
        axes.text(value, y, f" {value:,.0f}", va="center", fontsize=8)
    axes.set_xlabel("requests per second")
    axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
