# ruff: noqa: S603, S607 - an operator's tool: runs our own binaries and the distribution's, against 127.0.0.1
"""Throughput of the local cluster through nginx with 1, 2 and 3 Conduit hosts, capped and uncapped; writes
scale/results/<UTC start>.json (every wrk run) and prints the table of scale/RESULTS.md.

    .venv/bin/python scale/bench.py [--seconds 5] [--connections 32] [--cpu-quota 30%] [--slot 0] [--keep]
                                    [--keep-autogroup]

Brings the cluster of `--slot` up (scale/cluster), seeds it (`conduit seed --scale small`) when empty, then for
each cap (per-host CPU quota, then none) and each host count measures a read (GET /api/articles?limit=20, anonymous)
and a write (POST /api/articles, one account, a unique title per request) with wrk. Runs `down` at the end unless
--keep. Run as root; wrk is installed from the distribution when missing. Every host, nginx, PgBouncer and both
PostgreSQL servers run in sessions of their own, so for the run Linux's autogroup scheduling is turned off and
restored afterwards, as ./run bench does (bench/scheduling.py says why; --keep-autogroup leaves it alone).
"""

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from scheduling import scheduler_without_autogroup  # noqa: E402 - shared with bench/run.py

CLUSTER = ROOT / "scale" / "cluster"
CONDUIT = ROOT / ".venv" / "bin" / "conduit"
READ_PATH = "/api/articles?limit=20"

WRITE_LUA = """
local n = 0
local counter = 0
function setup(thread)
  n = n + 1
  thread:set("tid", n)
end
request = function()
  counter = counter + 1
  local body = '{"article":{"title":"bench %(run)s ' .. tid .. ' ' .. counter ..
    '","description":"bench","body":"written by scale/bench.py","tagList":["bench"]}}'
  return wrk.format("POST", "/api/articles",
    {["Content-Type"] = "application/json", ["Authorization"] = "Token %(token)s"}, body)
end
"""


def run(*args: str | Path, timeout: float = 600, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def cluster(slot: int, *args: str) -> str:
    return run(CLUSTER, "--slot", str(slot), *args)


def status(slot: int) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        subprocess.run(
            [str(CLUSTER), "--slot", str(slot), "status", "--json"], capture_output=True, text=True, check=False
        ).stdout
    )
    return document


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk from the distribution", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True, check=False).returncode:
        run("apt-get", "update", "-q", env=env)
        run("apt-get", "install", "-y", "-q", "wrk", env=env)
    return shutil.which("wrk") or "/usr/bin/wrk"


def seed(info: dict[str, Any]) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": info["primary"].replace("postgres@", "conduit@")}
    users = subprocess.run(
        [str(CONDUIT), "users", "list", "--limit", "1", "--json"], capture_output=True, text=True, env=env, check=False
    )
    if users.returncode == 0 and json.loads(users.stdout)["usersCount"] > 0:
        return
    print("seeding (conduit seed --scale small)", file=sys.stderr)
    run(CONDUIT, "seed", "--scale", "small", "--json", env=env, timeout=600)


def register(nginx: str) -> str:
    name = f"bench{int(time.time() * 1000) % 10**9}"
    body = json.dumps({"user": {"username": name, "email": f"{name}@bench.test", "password": "bench-password"}})
    request = urllib.request.Request(  # noqa: S310 - our own http:// URL
        f"{nginx}/api/users", data=body.encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        token: str = json.loads(response.read())["user"]["token"]
    return token


def parse_wrk(output: str) -> dict[str, Any]:
    def number(pattern: str) -> float | None:
        found = re.search(pattern, output)
        return float(found.group(1)) if found else None

    def latency(label: str) -> float | None:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not found:
            return None
        value, unit = float(found.group(1)), found.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "requests": number(r"(\d+) requests in"),
        "non_2xx": int(number(r"Non-2xx or 3xx responses: (\d+)") or 0),
        "socket_errors": sum(int(g) for g in socket_errors.groups()) if socket_errors else 0,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
    }


def wrk(binary: str, url: str, seconds: int, connections: int, script: Path | None = None) -> dict[str, Any]:
    args = [binary, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script is not None:
        args += ["-s", str(script)]
    return parse_wrk(run(*args, url, timeout=seconds + 60))


def machine() -> dict[str, Any]:
    memory = next(
        (int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line),
        0,
    )
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "unknown",
    )
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_mib": memory,
        "kernel": platform.release(),
        "load_average_before": os.getloadavg(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slot", type=int, default=0)
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--cpu-quota", default="30%", help="per-host cap for the capped series (e.g. 30%%)")
    parser.add_argument("--replicas", default="1,2,3")
    parser.add_argument("--keep", action="store_true", help="leave the cluster up")
    parser.add_argument(
        "--keep-autogroup",
        action="store_true",
        help="leave the kernel's autogroup scheduling as it is (bench/scheduling.py)",
    )
    parser.add_argument("--out", type=Path, default=None, help="default: scale/results/<UTC start>.json")
    args = parser.parse_args()
    binary = ensure_wrk()
    counts = [int(n) for n in args.replicas.split(",")]
    started = datetime.now(UTC)
    host = machine()
    cluster(args.slot, "up", "--replicas", str(max(counts)), "--cpu-quota", "none")
    info = status(args.slot)
    seed(info)
    token = register(info["nginx"])
    runs: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory() as scratch,
        scheduler_without_autogroup(keep=args.keep_autogroup) as scheduling,
    ):
        try:
            for quota in (args.cpu_quota, "none"):
                for replicas in counts:
                    cluster(args.slot, "up", "--replicas", str(replicas), "--cpu-quota", quota)
                    info = status(args.slot)
                    if not info["healthy"]:
                        sys.exit(f"cluster not healthy: {info['components']}")
                    capped = info["cgroup"] is not None and quota != "none"
                    wrk(binary, info["nginx"] + READ_PATH, 1, args.connections)  # warm-up: pools, caches
                    read = wrk(binary, info["nginx"] + READ_PATH, args.seconds, args.connections)
                    script = Path(scratch) / f"write-{quota.rstrip('%')}-{replicas}.lua"
                    script.write_text(WRITE_LUA % {"run": f"{time.time():.0f}-{replicas}", "token": token})
                    write = wrk(binary, info["nginx"] + "/api/articles", args.seconds, args.connections, script)
                    row = {
                        "replicas": replicas,
                        "cpu_quota": quota if capped else "none",
                        "mode": info["mode"],
                        "read": read,
                        "write": write,
                    }
                    runs.append(row)
                    print(json.dumps(row), file=sys.stderr)
        finally:
            if not args.keep:
                cluster(args.slot, "down")
    document = {
        "started": started.isoformat(timespec="seconds"),
        "machine": host,
        "scheduling": scheduling,
        "seconds": args.seconds,
        "connections": args.connections,
        "read": f"GET {READ_PATH}",
        "write": "POST /api/articles",
        "runs": runs,
    }
    out = args.out or ROOT / "scale" / "results" / f"{started:%Y-%m-%d-%H%M}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + "\n")
    print(table(document))
    return 0


def table(document: dict[str, Any]) -> str:
    lines = [
        "| hosts | CPU per host | read req/s | read p99 ms | write req/s | write p99 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in document["runs"]:
        read, write = row["read"], row["write"]
        errors = read["non_2xx"] + read["socket_errors"] + write["non_2xx"] + write["socket_errors"]
        lines.append(
            f"| {row['replicas']} | {row['cpu_quota'] if row['cpu_quota'] != 'none' else 'uncapped'} "
            f"| {read['rps']:.0f} | {read['p99_ms']} | {write['rps']:.0f} | {write['p99_ms']} | {errors} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
