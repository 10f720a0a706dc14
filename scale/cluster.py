"""A local Conduit cluster on one machine: PostgreSQL primary + hot standby, PgBouncer, N Conduit hosts, nginx.

    scale/cluster up [--replicas N] [--cpu-quota 30%] [--login-limit 100000/minute] [--registration-limit ...]
                                                         start what is missing (idempotent; repairs what is down)
    scale/cluster status [--json]                        each component and whether it is healthy (exit 1 if not)
    scale/cluster down                                   stop and remove everything `up` started (idempotent)

Run as root (network namespaces, cgroups, PostgreSQL as the `postgres` user). Everything lives under the state
directory (`.scale/slot<N>` in the checkout, git-ignored; `/var/tmp/conduit-scale-<checkout's hash>/slot<N>` when
the `postgres` user cannot reach the checkout, as in a private `mktemp -d`; CONDUIT_SCALE_DIR overrides both)
except what the kernel keeps: network namespaces `conduit<N>-h<i>`, the bridge `conduit-br<N>` and the cgroups
`conduit-scale<N>/h<i>`. `--slot N` (default 0) runs a second, independent bed (other ports, subnet, names): the
proof tests use their own slot. CONDUIT_SCALE_NETNS=0 puts the hosts on loopback ports even where namespaces work
(what happens by itself where they are refused).

Layout (slot s):
  PostgreSQL primary 127.0.0.1:24432+100s, hot standby (pg_basebackup -R) 127.0.0.1:24433+100s;
  PgBouncer 24434+100s on 127.0.0.1 and the bridge address 10.77.s.1, transaction pooling, database `conduit`
  (the primary, pool 20) and `conduit_ro` (the standby, pool 20);
  Conduit hosts: each in network namespace conduit<s>-h<i> at 10.77.s.(10+i):8000, joined by veth pairs to the
  bridge; where namespaces are not allowed, on 127.0.0.1:24480+100s+i instead. They reach both databases through
  PgBouncer (DB_TRANSACTION_POOLER=true: no startup parameters; the statement timeout is PgBouncer's
  connect_query), read from the standby (DATABASE_READ_URL), and limit logins and registrations per client
  address in one store they all share (RATE_LIMIT_STORE=postgres, CONDUIT_REPLICAS=N; the client address from
  X-Forwarded-For when the request comes from nginx, i.e. from the bridge address, or 127.0.0.1 on loopback);
  nginx on 127.0.0.1:24480+100s: least_conn over the hosts, passive health checks, idempotent requests retried on
  another host.
Every port sits below the kernel's ephemeral range (32768-60999 by default): an outgoing connection (the test
suite's own, say) may hold any port in that range for a while, and a listener that needs it then cannot start.
All components are the distribution's packages (nginx and pgbouncer are installed with apt-get when missing).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import functools
import grp
import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2

from application.rate_limits import RateLimit

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
CONDUIT = ROOT / ".venv" / "bin" / "conduit"
PG_USER = "postgres"  # the OS user that runs PostgreSQL and PgBouncer (both refuse to run as root)
APP_ROLE = "conduit"
POOL_SIZE = 20  # PgBouncer server connections per database (primary and standby each)
HOST_PORT_IN_NETNS = 8000
PORT_BASE = 24000  # below the ephemeral range: no client socket can be holding our ports (see the docstring)
STATEMENT_TIMEOUT_MS = 5000  # DB_STATEMENT_TIMEOUT_SECONDS: the hosts send no `options`, PgBouncer sets it per server
START_TIMEOUT = 60.0
# Rate limits of the hosts unless `up` is told otherwise: far above what the proof tests and scale/bench.py send
# from their few client addresses, so only a test that asks for a small limit meets one.
DEFAULT_LOGIN_LIMIT = "100000/minute"
DEFAULT_REGISTRATION_LIMIT = "100000/minute"
# Host settings that do not need a restart when they change: with RATE_LIMIT_STORE=postgres set explicitly,
# CONDUIT_REPLICAS changes nothing a host does, and scaling out must not restart the hosts already serving.
RESTART_EXEMPT = ("CONDUIT_REPLICAS",)


class ClusterError(RuntimeError):
    pass


@functools.cache
def state_root() -> Path:
    """Where every bed keeps its files: `.scale` in the checkout, where PostgreSQL (run as PG_USER) can reach its
    data directory; else a directory of the checkout's own under /var/tmp, so that a clone anywhere works."""
    if configured := os.environ.get("CONDUIT_SCALE_DIR"):
        return Path(configured)
    if reachable_by(PG_USER, ROOT):
        return ROOT / ".scale"
    return Path("/var/tmp") / f"conduit-scale-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]}"  # noqa: S108


def reachable_by(user: str, directory: Path) -> bool:
    """The user may enter the directory and each one above it (the search bit for them on every step)."""
    try:
        account = pwd.getpwnam(user)
    except KeyError:
        return True  # no such user: `up` says so itself, and nothing is placed for it
    groups = {account.pw_gid} | {group.gr_gid for group in grp.getgrall() if user in group.gr_mem}
    for step in (directory, *directory.parents):
        info = step.stat()
        if info.st_uid == account.pw_uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid in groups:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            return False
    return True


@dataclass(frozen=True)
class Layout:
    """Names, ports and paths of one bed (a slot)."""

    slot: int

    @property
    def state(self) -> Path:
        return state_root() / f"slot{self.slot}"

    @property
    def primary_port(self) -> int:
        return PORT_BASE + 432 + 100 * self.slot

    @property
    def standby_port(self) -> int:
        return self.primary_port + 1

    @property
    def pgbouncer_port(self) -> int:
        return self.primary_port + 2

    @property
    def nginx_port(self) -> int:
        return PORT_BASE + 480 + 100 * self.slot

    def loopback_port(self, host: int) -> int:
        return self.nginx_port + host

    @property
    def bridge(self) -> str:
        return f"conduit-br{self.slot}"

    @property
    def bridge_ip(self) -> str:
        return f"10.77.{self.slot}.1"

    def netns(self, host: int) -> str:
        return f"conduit{self.slot}-h{host}"

    def veth(self, host: int) -> str:
        return f"cd{self.slot}h{host}"

    def host_ip(self, host: int) -> str:
        return f"10.77.{self.slot}.{10 + host}"

    @property
    def cgroup_name(self) -> str:
        return f"conduit-scale{self.slot}"

    # paths
    @property
    def primary_data(self) -> Path:
        return self.state / "pg-primary"

    @property
    def standby_data(self) -> Path:
        return self.state / "pg-standby"

    @property
    def run(self) -> Path:
        return self.state / "run"  # sockets and pid files of the postgres-owned processes

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def config_file(self) -> Path:
        return self.state / "cluster.json"


# --------------------------------------------------------------------------------------------------------- helpers


def log(message: str) -> None:
    print(f"cluster: {message}", file=sys.stderr, flush=True)


def sh(
    *args: str | Path,
    check: bool = True,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603, PLW1510 - our own commands; checked below, with the output in the message
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd
    )
    if check and result.returncode != 0:
        raise ClusterError(f"{' '.join(map(str, args))} failed ({result.returncode}): {result.stderr.strip()}")
    return result


def as_postgres(*args: str | Path, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return sh("runuser", "-u", PG_USER, "--", *args, check=check, timeout=timeout, cwd="/")


def tail(path: Path, lines: int = 20) -> str:
    """The last lines of a log, for an error message that explains itself."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as error:
        return f"(unreadable: {error})"


def wait_for(what: str, probe: Callable[[], bool], timeout: float = START_TIMEOUT, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(interval)
    raise ClusterError(f"{what}: not ready after {timeout:.0f} s")


def pid_alive(pid: int | None, marker: str = "") -> bool:
    """The process runs, and (with a marker) its command line contains it: a recycled pid is not ours."""
    if not pid:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    if ") Z" in Path(f"/proc/{pid}/stat").read_text(errors="replace"):  # a zombie is dead
        return False
    return marker in cmdline


def remove_stale_lock(path: Path) -> None:
    """A lock file of a process that is gone, or killed and not yet reaped: PostgreSQL and PgBouncer test the pid
    in it with kill(pid, 0), which a zombie passes, and then refuse to start. (Who inherits a killed daemon is the
    machine's init, and some inits reap late: seen here, a killed postmaster stayed a zombie for seconds.)"""
    pid = read_pid(path)
    if pid is not None and not pid_alive(pid):
        log(f"removing {path.name}: process {pid} is gone")
        path.unlink(missing_ok=True)


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def stop_pid(pid: int | None, marker: str, timeout: float = 25.0) -> None:
    """SIGTERM, then SIGKILL after `timeout`; only a process whose command line holds `marker`."""
    if not pid_alive(pid, marker):
        return
    assert pid is not None
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pid_alive(pid, marker):
        time.sleep(0.05)
    if pid_alive(pid, marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and pid_alive(pid, marker):
            time.sleep(0.05)


def stop_orphaned_workers(port: int, marker: str) -> None:
    """Stop the processes named `marker` still listening on the port after their master died (a SIGKILLed nginx
    leaves its workers serving, and holding the port a new master needs)."""
    listening = sh("ss", "-Hltnp", f"sport = :{port}", check=False).stdout
    for pid in sorted({int(found) for found in re.findall(r"pid=(\d+)", listening)}):
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/comm").read_text().strip() == marker:
                log(f"stopping {marker} process {pid}, left on port {port} by a master that died")
                stop_pid(pid, marker, timeout=5)


def http_get(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own http:// URLs
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (OSError, ValueError):
        return None


def pg_query(
    port: int, sql: str, params: tuple[object, ...] = (), dbname: str = "postgres", user: str = PG_USER
) -> list[tuple[Any, ...]]:
    connection = psycopg2.connect(host="127.0.0.1", port=port, user=user, dbname=dbname, connect_timeout=3)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql, params or None)
            return list(cursor.fetchall()) if cursor.description else []
    finally:
        connection.close()


def pg_answers(port: int, dbname: str = "postgres", user: str = PG_USER) -> bool:
    try:
        pg_query(port, "SELECT 1", dbname=dbname, user=user)
    except psycopg2.Error:
        return False
    return True


# ------------------------------------------------------------------------------------------- machine capabilities


def netns_allowed() -> tuple[bool, str]:
    """Whether this machine lets us make network namespaces with veth pairs (tried, then undone)."""
    if os.geteuid() != 0:
        return False, "not root"
    if shutil.which("ip") is None:
        return False, "no `ip` command (iproute2)"
    probe = f"conduit-probe{os.getpid()}"
    try:
        sh("ip", "netns", "add", probe, timeout=10)
    except (ClusterError, subprocess.TimeoutExpired) as error:
        return False, f"`ip netns add` refused: {error}"
    try:
        sh("ip", "link", "add", "cdprobe0", "type", "veth", "peer", "name", "cdprobe1", timeout=10)
        sh("ip", "link", "set", "cdprobe1", "netns", probe, timeout=10)
        sh("ip", "link", "add", "cdprobebr", "type", "bridge", timeout=10)
    except (ClusterError, subprocess.TimeoutExpired) as error:
        return False, f"veth pairs or bridges refused: {error}"
    finally:
        sh("ip", "link", "del", "cdprobe0", check=False, timeout=10)
        sh("ip", "link", "del", "cdprobebr", check=False, timeout=10)
        sh("ip", "netns", "del", probe, check=False, timeout=10)
    return True, "network namespaces with veth pairs and a bridge"


def cgroup_kind() -> tuple[str | None, str]:
    """`v2` (cpu.max), `v1` (cpu.cfs_quota_us) or None, and why."""
    unified = Path("/sys/fs/cgroup/cgroup.controllers")
    if unified.exists():
        if "cpu" in unified.read_text().split() and os.access("/sys/fs/cgroup", os.W_OK):
            return "v2", "cgroup v2 cpu controller (cpu.max)"
        return None, "cgroup v2 without the cpu controller: hosts run uncapped"
    if Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").exists() and os.access("/sys/fs/cgroup/cpu", os.W_OK):
        return "v1", "cgroup v1 cpu controller (cpu.cfs_quota_us)"
    return None, "no writable cgroup cpu controller: hosts run uncapped"


def cgroup_dir(kind: str | None, layout: Layout, host: int | None = None) -> Path | None:
    if kind is None:
        return None
    base = Path("/sys/fs/cgroup") if kind == "v2" else Path("/sys/fs/cgroup/cpu")
    group = base / layout.cgroup_name
    return group if host is None else group / f"h{host}"


def ensure_packages() -> None:
    missing = [pkg for pkg, binary in (("nginx", "nginx"), ("pgbouncer", "pgbouncer")) if not find_binary(binary)]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ClusterError(f"missing {', '.join(missing)}: install the distribution's packages")
    log(f"installing {' '.join(missing)} from the distribution")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if sh("apt-get", "install", "-y", "-q", *missing, check=False, timeout=600, env=env).returncode != 0:
        sh("apt-get", "update", "-q", timeout=600, env=env)
        sh("apt-get", "install", "-y", "-q", *missing, timeout=600, env=env)
    # Their packaged services are not ours: never leave them running (nginx on port 80, pgbouncer on 6432).
    for service in missing:
        sh("service", service, "stop", check=False, timeout=60)
        sh("update-rc.d", service, "disable", check=False, timeout=60)


def find_binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None
    )


# ---------------------------------------------------------------------------------------------------- the cluster


class Cluster:
    def __init__(self, slot: int) -> None:
        self.layout = Layout(slot)
        self.config: dict[str, Any] = {}
        self.children: dict[int, subprocess.Popen[bytes]] = {}  # hosts started by this command
        self.log_offsets: dict[int, int] = {}  # where their logs stood when they were started
        if self.layout.config_file.exists():
            self.config = json.loads(self.layout.config_file.read_text())

    # -------------------------------------------------------------- configuration kept between commands

    def save(self) -> None:
        self.layout.state.mkdir(parents=True, exist_ok=True)
        self.layout.config_file.write_text(json.dumps(self.config, indent=2) + "\n")

    @property
    def replicas(self) -> int:
        return int(self.config.get("replicas", 0))

    @property
    def netns(self) -> bool:
        return bool(self.config.get("netns", False))

    def host_address(self, host: int) -> tuple[str, int]:
        if self.netns:
            return self.layout.host_ip(host), HOST_PORT_IN_NETNS
        return "127.0.0.1", self.layout.loopback_port(host)

    def database_urls(self, from_host: bool) -> dict[str, str]:
        """URLs as a Conduit host sees them (through PgBouncer) and the direct ones (migrations, tests)."""
        bouncer = self.layout.bridge_ip if (self.netns and from_host) else "127.0.0.1"
        port = self.layout.pgbouncer_port
        return {
            "DATABASE_URL": f"postgresql://{APP_ROLE}@{bouncer}:{port}/conduit",
            "DATABASE_READ_URL": f"postgresql://{APP_ROLE}@{bouncer}:{port}/conduit_ro",
        }

    def describe(self) -> dict[str, Any]:
        layout = self.layout
        urls = self.database_urls(from_host=False)
        return {
            "slot": layout.slot,
            "state_dir": str(layout.state),
            "replicas": self.replicas,
            "mode": "netns" if self.netns else "loopback",
            "mode_reason": self.config.get("netns_reason", ""),
            "cpu_quota": self.config.get("cpu_quota"),
            "cgroup": self.config.get("cgroup"),
            "cgroup_reason": self.config.get("cgroup_reason", ""),
            "nginx": f"http://127.0.0.1:{layout.nginx_port}",
            "hosts": {
                str(i): {
                    "url": "http://{}:{}".format(*self.host_address(i)),
                    "pid": read_pid(layout.state / f"host{i}.pid"),
                    "netns": layout.netns(i) if self.netns else None,
                }
                for i in range(1, self.replicas + 1)
            },
            "primary": f"postgresql://{PG_USER}@127.0.0.1:{layout.primary_port}/conduit",
            "standby": f"postgresql://{PG_USER}@127.0.0.1:{layout.standby_port}/conduit",
            "pgbouncer": urls["DATABASE_URL"],
            "pgbouncer_read": urls["DATABASE_READ_URL"],
            "pool_size": POOL_SIZE,
            "app_role": APP_ROLE,
            "login_limit": self.limits["login"],
            "registration_limit": self.limits["registration"],
            "rate_limit_store": "postgres",
            "trusted_proxies": self.trusted_proxies,
        }

    @property
    def limits(self) -> dict[str, str]:
        return {
            "login": str(self.config.get("login_limit", DEFAULT_LOGIN_LIMIT)),
            "registration": str(self.config.get("registration_limit", DEFAULT_REGISTRATION_LIMIT)),
        }

    @property
    def trusted_proxies(self) -> str:
        """Where nginx's requests come from, as a host sees them: only these may name the client (X-Forwarded-For)."""
        return self.layout.bridge_ip if self.netns else "127.0.0.1"

    # ------------------------------------------------------------------------------------------- up

    def up(self, replicas: int, cpu_quota: float | None) -> None:
        if os.geteuid() != 0:
            raise ClusterError("run as root: network namespaces, cgroups, and PostgreSQL as the postgres user")
        if not CONDUIT.exists():
            raise ClusterError(f"{CONDUIT} is missing: run ./run test (or ./run serve) once to create .venv")
        ensure_packages()
        layout = self.layout
        for directory in (layout.state, layout.logs):
            directory.mkdir(parents=True, exist_ok=True)
        if "netns" not in self.config:
            allowed, reason = netns_allowed()
            if allowed and os.environ.get("CONDUIT_SCALE_NETNS") == "0":
                allowed, reason = False, "turned off with CONDUIT_SCALE_NETNS=0"
            self.config.update(netns=allowed, netns_reason=reason)
            if not allowed:
                log(f"network namespaces unavailable ({reason}): hosts run on loopback ports")
        kind, reason = cgroup_kind()
        if cpu_quota is not None and kind is None:
            log(f"--cpu-quota ignored: {reason}")
        self.config.update(cgroup=kind, cgroup_reason=reason, cpu_quota=cpu_quota if kind else None)
        if "jwt_secret" not in self.config:
            self.config["jwt_secret"] = secrets.token_urlsafe(48)
        previous = self.replicas
        self.config["replicas"] = replicas
        self.save()

        self._primary()
        self._standby()
        if self.netns:
            self._bridge()
        self._pgbouncer()
        self._migrate()
        if previous > replicas and pid_alive(read_pid(layout.state / "nginx.pid"), "nginx"):
            self._nginx()  # fewer replicas than before: out of the balancer first, then stopped
        for host in range(replicas + 1, max(previous, replicas) + 1):
            self._stop_host(host)
        self._cgroups()
        started = [host for host in range(1, replicas + 1) if self._start_host(host)]
        for host in started:
            self._wait_for_host(host)
        self._nginx()
        log(f"up: {replicas} host(s) behind http://127.0.0.1:{layout.nginx_port} ({self.describe()['mode']})")

    def _pg_conf(self, port: int) -> str:
        return "\n".join(
            [
                "# written by scale/cluster.py",
                f"port = {port}",
                "listen_addresses = '127.0.0.1'",
                f"unix_socket_directories = '{self.layout.run}'",
                "wal_level = replica",
                "hot_standby = on",
                "max_wal_senders = 10",
                "max_connections = 200",
                "shared_buffers = 128MB",
                "log_min_messages = warning",
                "",
            ]
        )

    def _primary(self) -> None:
        layout = self.layout
        layout.run.mkdir(parents=True, exist_ok=True)
        shutil.chown(layout.run, PG_USER, PG_USER)
        data = layout.primary_data
        if not (data / "PG_VERSION").exists():
            if data.exists():
                shutil.rmtree(data)
            log("initdb: primary")
            data.mkdir(mode=0o700)
            shutil.chown(data, PG_USER, PG_USER)
            as_postgres(PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", PG_USER, "-E", "UTF8", "--no-sync")
            with (data / "postgresql.conf").open("a") as conf:
                conf.write(self._pg_conf(layout.primary_port))
        self._pg_start(data, "primary", layout.primary_port)
        exists = pg_query(layout.primary_port, "SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,))
        if not exists:
            pg_query(layout.primary_port, f"CREATE ROLE {APP_ROLE} LOGIN")
        if not pg_query(layout.primary_port, "SELECT 1 FROM pg_database WHERE datname = 'conduit'"):
            pg_query(layout.primary_port, f"CREATE DATABASE conduit OWNER {APP_ROLE}")

    def _pg_start(self, data: Path, name: str, port: int) -> None:
        if pg_answers(port):
            return
        log(f"starting PostgreSQL {name} on 127.0.0.1:{port}")
        for lock in (data / "postmaster.pid", self.layout.run / f".s.PGSQL.{port}.lock"):
            remove_stale_lock(lock)
        log_file = self.layout.logs / f"pg-{name}.log"
        log_file.touch()
        shutil.chown(log_file, PG_USER, PG_USER)
        status = as_postgres(PG_BIN / "pg_ctl", "-D", data, "status", check=False)
        if status.returncode == 0:  # running but not answering yet
            wait_for(f"PostgreSQL {name}", lambda: pg_answers(port))
            return
        started = as_postgres(
            PG_BIN / "pg_ctl", "-D", data, "-l", log_file, "-w", "-t", "60", "start", check=False, timeout=90
        )
        if started.returncode != 0:
            raise ClusterError(f"PostgreSQL {name} did not start; the end of {log_file}:\n{tail(log_file)}")
        wait_for(f"PostgreSQL {name}", lambda: pg_answers(port))

    def _standby(self) -> None:
        layout = self.layout
        data = layout.standby_data
        if not (data / "standby.signal").exists():
            if data.exists():
                shutil.rmtree(data)
            log("pg_basebackup -R: standby")
            data.mkdir(mode=0o700)
            shutil.chown(data, PG_USER, PG_USER)
            as_postgres(
                PG_BIN / "pg_basebackup",
                "-h", "127.0.0.1",
                "-p", str(layout.primary_port),
                "-U", PG_USER,
                "-D", data,
                "-R",  # standby.signal and primary_conninfo
                "-X", "stream",
                "-c", "fast",
                "--no-sync",
                timeout=300,
            )  # fmt: skip
            with (data / "postgresql.auto.conf").open("a") as conf:
                conf.write(f"port = {layout.standby_port}\n")
        self._pg_start(data, "standby", layout.standby_port)

    def _bridge(self) -> None:
        layout = self.layout
        if sh("ip", "link", "show", layout.bridge, check=False).returncode != 0:
            log(f"bridge {layout.bridge} {layout.bridge_ip}/24")
            sh("ip", "link", "add", layout.bridge, "type", "bridge")
        addresses = sh("ip", "-o", "-4", "addr", "show", "dev", layout.bridge).stdout
        if f"{layout.bridge_ip}/24" not in addresses:
            sh("ip", "addr", "add", f"{layout.bridge_ip}/24", "dev", layout.bridge)
        sh("ip", "link", "set", layout.bridge, "up")

    def _netns(self, host: int) -> None:
        layout = self.layout
        ns, veth = layout.netns(host), layout.veth(host)
        if layout.netns(host) not in sh("ip", "netns", "list").stdout.split():
            sh("ip", "netns", "add", ns)
        if sh("ip", "link", "show", veth, check=False).returncode != 0:
            sh("ip", "link", "add", veth, "type", "veth", "peer", "name", f"{veth}p")
            sh("ip", "link", "set", f"{veth}p", "netns", ns)
            sh("ip", "-n", ns, "link", "set", f"{veth}p", "name", "eth0")
        sh("ip", "link", "set", veth, "master", layout.bridge)
        sh("ip", "link", "set", veth, "up")
        inside = sh("ip", "-n", ns, "-o", "-4", "addr", "show", "dev", "eth0").stdout
        if f"{layout.host_ip(host)}/24" not in inside:
            sh("ip", "-n", ns, "addr", "add", f"{layout.host_ip(host)}/24", "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")

    def _pgbouncer(self) -> None:
        layout = self.layout
        conf = layout.state / "pgbouncer.ini"
        auth = layout.state / "pgbouncer-users.txt"
        listen = "127.0.0.1" + (f",{layout.bridge_ip}" if self.netns else "")
        setup = f"connect_query='SET statement_timeout = {STATEMENT_TIMEOUT_MS}'"
        text = "\n".join(
            [
                "; written by scale/cluster.py",
                "[databases]",
                f"conduit = host=127.0.0.1 port={layout.primary_port} dbname=conduit user={APP_ROLE} {setup}",
                f"conduit_ro = host=127.0.0.1 port={layout.standby_port} dbname=conduit user={APP_ROLE} {setup}",
                "[pgbouncer]",
                f"listen_addr = {listen}",
                f"listen_port = {layout.pgbouncer_port}",
                f"unix_socket_dir = {layout.run}",
                "auth_type = trust",
                f"auth_file = {auth}",
                f"admin_users = {PG_USER}",
                f"stats_users = {PG_USER}",
                "pool_mode = transaction",
                f"default_pool_size = {POOL_SIZE}",
                "min_pool_size = 0",
                "reserve_pool_size = 0",
                f"max_db_connections = {POOL_SIZE}",
                "max_client_conn = 2000",
                # No ignore_startup_parameters: the hosts run with DB_TRANSACTION_POOLER=true and send none, and a
                # client that sends `options` is refused rather than silently losing its statement timeout.
                # connect_query gives every server connection the timeout instead.
                "server_reset_query =",
                "server_check_delay = 10",
                f"logfile = {layout.logs / 'pgbouncer.log'}",
                f"pidfile = {layout.run / 'pgbouncer.pid'}",
                "log_connections = 0",
                "log_disconnections = 0",
                "",
            ]
        )
        auth_text = f'"{APP_ROLE}" ""\n"{PG_USER}" ""\n'
        changed = not conf.exists() or conf.read_text() != text or not auth.exists() or auth.read_text() != auth_text
        conf.write_text(text)
        auth.write_text(auth_text)
        (layout.logs / "pgbouncer.log").touch()
        for path in (conf, auth, layout.logs / "pgbouncer.log"):
            shutil.chown(path, PG_USER, PG_USER)
        pid = read_pid(layout.run / "pgbouncer.pid")
        if pid_alive(pid, "pgbouncer"):
            if not changed and pg_answers(layout.pgbouncer_port, dbname="conduit", user=APP_ROLE):
                return
            stop_pid(pid, "pgbouncer")  # listen addresses cannot change on a reload: restart
        log(f"starting PgBouncer on {listen}:{layout.pgbouncer_port} (transaction pooling, pool {POOL_SIZE})")
        remove_stale_lock(layout.run / "pgbouncer.pid")
        started = as_postgres(find_binary("pgbouncer") or "pgbouncer", "-d", conf, check=False, timeout=30)
        if started.returncode != 0:
            pgbouncer_log = layout.logs / "pgbouncer.log"
            raise ClusterError(f"PgBouncer did not start: {started.stderr.strip()}\n{tail(pgbouncer_log)}")
        wait_for("PgBouncer", lambda: pg_answers(layout.pgbouncer_port, dbname="conduit", user=APP_ROLE))

    def _migrate(self) -> None:
        url = f"postgresql://{APP_ROLE}@127.0.0.1:{self.layout.primary_port}/conduit"
        env = {**self._base_env(), "DATABASE_URL": url}
        sh(CONDUIT, "db", "upgrade", env=env, cwd=self.layout.state, timeout=180)

    def _base_env(self) -> dict[str, str]:
        keep = ("PATH", "LANG", "LC_ALL", "HOME", "TZ")
        return {name: os.environ[name] for name in keep if name in os.environ}

    def _wait_for_host(self, host: int) -> None:
        """Ready within START_TIMEOUT; a host that exits meanwhile fails at once, with the end of its log."""
        layout = self.layout
        url = "http://{}:{}/health/ready".format(*self.host_address(host))
        log_file = layout.logs / f"host{host}.log"
        deadline = time.monotonic() + START_TIMEOUT
        while http_get(url) != 200:
            process = self.children.get(host)
            if process is not None and process.poll() is not None:  # our child: exited (not a /proc race mid-exec)
                raise ClusterError(f"conduit host {host} exited at start ({log_file}):\n{tail(log_file)}")
            if time.monotonic() > deadline:
                raise ClusterError(f"conduit host {host}: not ready after {START_TIMEOUT:.0f} s:\n{tail(log_file)}")
            time.sleep(0.2)
        # `conduit serve` checked the statement timeout through PgBouncer before serving (DB_TRANSACTION_POOLER): an
        # error there means a slow statement could hold a pooled connection without bound. Not a healthy host.
        with log_file.open("rb") as handle:
            handle.seek(self.log_offsets.get(host, 0))
            since_start = handle.read().decode(errors="replace")
        if "statement_timeout through the pooler" in since_start or "could not check the server's" in since_start:
            lines = [line for line in since_start.splitlines() if "statement_timeout" in line]
            raise ClusterError(f"conduit host {host}: statement timeout through PgBouncer is wrong: {lines[-1]}")

    def _cgroups(self) -> None:
        kind = self.config.get("cgroup")
        group = cgroup_dir(kind, self.layout)
        if group is None:
            return
        group.mkdir(exist_ok=True)
        if kind == "v2":
            for parent in (Path("/sys/fs/cgroup"), group):
                if "cpu" not in (parent / "cgroup.subtree_control").read_text().split():
                    (parent / "cgroup.subtree_control").write_text("+cpu")
        quota = self.config.get("cpu_quota")
        for host in range(1, self.replicas + 1):
            host_group = cgroup_dir(kind, self.layout, host)
            assert host_group is not None
            host_group.mkdir(exist_ok=True)
            period = 100_000
            if kind == "v2":
                value = f"{int(quota * period)} {period}" if quota else f"max {period}"
                (host_group / "cpu.max").write_text(value)
            else:
                (host_group / "cpu.cfs_period_us").write_text(str(period))
                (host_group / "cpu.cfs_quota_us").write_text(str(int(quota * period)) if quota else "-1")

    def _host_env(self, host: int) -> dict[str, str]:
        return {
            **self._base_env(),
            **self.database_urls(from_host=True),
            # Both URLs lead to PgBouncer in transaction mode: no startup parameters (PgBouncer would refuse
            # `options`); the statement timeout is its connect_query's, which `conduit serve` checks at start.
            "DB_TRANSACTION_POOLER": "true",
            "DB_STATEMENT_TIMEOUT_SECONDS": f"{STATEMENT_TIMEOUT_MS / 1000:g}",
            "CONDUIT_ENV": "production",  # no migrate-on-start (cluster up migrates once), a real JWT secret
            "JWT_SECRET": self.config["jwt_secret"],  # shared: a token from one host is good on every other
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "json",
            # Login and registration attempts counted in the primary's `rate_limits` table, which every host
            # shares: a client gets the limit once, whichever hosts nginx sends it to.
            "RATE_LIMIT_ENABLED": "true",
            "RATE_LIMIT_STORE": "postgres",
            "CONDUIT_REPLICAS": str(self.replicas),
            "RATE_LIMIT_LOGIN": self.limits["login"],
            "RATE_LIMIT_REGISTRATION": self.limits["registration"],
            "TRUSTED_PROXIES": self.trusted_proxies,  # nginx: client addresses from X-Forwarded-For
            "CONDUIT_SCALE_HOST": str(host),  # marks the process as ours (and which host it is)
        }

    def _host_env_changed(self, host: int, pid: int) -> bool:
        """The running host was started with other settings than it would be now (a new limit, an older cluster)."""
        try:
            raw = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            return True
        running = dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)
        wanted = self._host_env(host)
        return any(running.get(name) != value for name, value in wanted.items() if name not in RESTART_EXEMPT)

    def _start_host(self, host: int) -> bool:
        """Start host `host` unless it runs and is ready; True when started."""
        layout = self.layout
        pid_file = layout.state / f"host{host}.pid"
        address, port = self.host_address(host)
        ready = f"http://{address}:{port}/health/ready"
        if self.netns:
            self._netns(host)
        group = cgroup_dir(self.config.get("cgroup"), layout, host)
        pid = read_pid(pid_file)
        if pid_alive(pid, "conduit serve") and http_get(ready) == 200:
            assert pid is not None
            if not self._host_env_changed(host, pid):
                if group is not None:  # running since before a cap was asked for: move it in (a no-op if there)
                    (group / "cgroup.procs").write_text(str(pid))
                return False
            log(f"conduit host {host}: settings changed, restarting it")
        stop_pid(pid, "conduit serve")
        command = [str(CONDUIT), "serve", "--host", address if not self.netns else "0.0.0.0", "--port", str(port)]  # noqa: S104
        if self.netns:
            command = ["ip", "netns", "exec", layout.netns(host), *command]
        if group is not None:  # join the cgroup first, then become the server: every thread and child is in it
            command = ["sh", "-c", f'echo $$ > {group / "cgroup.procs"} && exec "$@"', "conduit-host", *command]
        workdir = layout.state / f"host{host}"
        workdir.mkdir(exist_ok=True)  # its working directory: no stray .env is read
        where = f"{layout.netns(host)} {address}:{port}" if self.netns else f"{address}:{port}"
        log(f"starting conduit host {host} ({where})")
        log_file = layout.logs / f"host{host}.log"
        self.log_offsets[host] = log_file.stat().st_size if log_file.exists() else 0
        with log_file.open("ab") as out:
            process = subprocess.Popen(  # noqa: S603 - our own command line
                command,
                env=self._host_env(host),
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        pid_file.write_text(f"{process.pid}\n")
        self.children[host] = process
        return True

    def _stop_host(self, host: int) -> None:
        layout = self.layout
        pid_file = layout.state / f"host{host}.pid"
        stop_pid(read_pid(pid_file), "conduit serve")
        pid_file.unlink(missing_ok=True)
        ns = layout.netns(host)
        if shutil.which("ip") and ns in sh("ip", "netns", "list", check=False).stdout.split():
            for pid in sh("ip", "netns", "pids", ns, check=False).stdout.split():
                stop_pid(int(pid), "conduit")
            sh("ip", "link", "del", layout.veth(host), check=False)
            sh("ip", "netns", "del", ns, check=False)
        group = cgroup_dir(self.config.get("cgroup"), layout, host)
        if group is not None and group.exists():
            with contextlib.suppress(OSError):
                group.rmdir()

    def _nginx_conf(self) -> str:
        layout = self.layout
        temp = layout.state / "nginx"
        servers = "\n".join(
            "        server {}:{} max_fails=2 fail_timeout=5s;".format(*self.host_address(host))
            for host in range(1, self.replicas + 1)
        )
        return f"""# written by scale/cluster.py
worker_processes 2;
pid {layout.state / "nginx.pid"};
error_log {layout.logs / "nginx-error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    client_max_body_size 2m;
    upstream conduit {{
        # least_conn: a slow or hung host gets fewer new requests (round robin kept feeding one).
        least_conn;
        # Passive health checks: 2 failures (error, timeout, 502 — see proxy_next_upstream) take a host out for 5 s.
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{layout.nginx_port};
        location = /metrics {{ return 404; }}  # for the scraper only: scrape the hosts directly
        location / {{
            proxy_pass http://conduit;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 1s;
            proxy_send_timeout 3s;
            proxy_read_timeout 3s;
            # Retry on another host: idempotent requests always; POST/PATCH only when never sent (connect failed).
            # Not http_503: a host answering 503 (database blip) is not broken, and counting it marks all down.
            proxy_next_upstream error timeout http_502;
            proxy_next_upstream_tries 3;
            proxy_next_upstream_timeout 6s;
        }}
    }}
}}
"""

    def _nginx(self) -> None:
        layout = self.layout
        conf = layout.state / "nginx.conf"
        text = self._nginx_conf()
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (layout.state / "nginx" / sub).mkdir(parents=True, exist_ok=True)
        changed = not conf.exists() or conf.read_text() != text
        conf.write_text(text)
        nginx = find_binary("nginx") or "nginx"
        base = [nginx, "-c", str(conf), "-p", str(layout.state)]
        sh(*base, "-t", "-q", timeout=30)
        pid = read_pid(layout.state / "nginx.pid")
        url = f"http://127.0.0.1:{layout.nginx_port}/health/live"
        if pid_alive(pid, "nginx"):
            if changed:
                log("nginx: new upstream list, reloading")
                sh(*base, "-s", "reload", timeout=30)
                time.sleep(0.5)  # old workers finish; new ones use the new list
            if http_get(url) == 200:
                return
            stop_pid(pid, "nginx")
        stop_orphaned_workers(layout.nginx_port, "nginx")
        log(f"starting nginx on 127.0.0.1:{layout.nginx_port}")
        sh(*base, timeout=30)
        wait_for("nginx", lambda: http_get(url) == 200)

    # ------------------------------------------------------------------------------------------- down

    def down(self) -> None:
        layout = self.layout
        nginx_pid = read_pid(layout.state / "nginx.pid")
        stop_pid(nginx_pid, "nginx", timeout=10)
        stop_orphaned_workers(layout.nginx_port, "nginx")
        hosts = {int(p.stem[4:]) for p in layout.state.glob("host*.pid") if p.stem[4:].isdigit()}
        known = set(range(1, max(self.replicas, 9) + 1)) | hosts
        for host in sorted(known):
            self._stop_host(host)
        stop_pid(read_pid(layout.run / "pgbouncer.pid"), "pgbouncer", timeout=10)
        for data in (layout.standby_data, layout.primary_data):
            if (data / "postmaster.pid").exists():
                as_postgres(
                    PG_BIN / "pg_ctl", "-D", data, "-m", "fast", "-w", "-t", "60", "stop", check=False, timeout=90
                )
        if shutil.which("ip") and sh("ip", "link", "show", layout.bridge, check=False).returncode == 0:
            sh("ip", "link", "del", layout.bridge, check=False)
        for kind in ("v1", "v2"):
            group = cgroup_dir(kind, layout)
            if group is not None and group.exists():
                for child in group.iterdir():
                    if child.is_dir():
                        with contextlib.suppress(OSError):
                            child.rmdir()
                with contextlib.suppress(OSError):
                    group.rmdir()
        for name in ("pg-primary", "pg-standby", "run", "nginx"):
            shutil.rmtree(layout.state / name, ignore_errors=True)
        written = [
            layout.config_file,
            *(layout.state / n for n in ("nginx.conf", "pgbouncer.ini", "pgbouncer-users.txt")),
        ]
        for leftover in [*layout.state.glob("host*"), *layout.state.glob("*.pid"), *written]:
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
        log(f"down: slot {layout.slot} stopped and removed (logs kept in {layout.logs})")

    # ------------------------------------------------------------------------------------------- status

    def status(self) -> tuple[bool, list[tuple[str, bool, str]]]:
        layout = self.layout
        rows: list[tuple[str, bool, str]] = []
        primary_ok = pg_answers(layout.primary_port)
        rows.append(("postgres primary", primary_ok, f"127.0.0.1:{layout.primary_port}"))
        standby_detail = f"127.0.0.1:{layout.standby_port}"
        standby_ok = False
        try:
            (in_recovery,) = pg_query(layout.standby_port, "SELECT pg_is_in_recovery()")[0]
            standby_ok = bool(in_recovery)
            standby_detail += " in recovery" if in_recovery else " NOT in recovery"
        except psycopg2.Error:
            standby_detail += " not answering"
        rows.append(("postgres standby", standby_ok, standby_detail))
        replication_ok, replication_detail = False, "no streaming standby"
        if primary_ok:
            with contextlib.suppress(psycopg2.Error):
                sent = pg_query(
                    layout.primary_port,
                    "SELECT state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), replay_lag"
                    " FROM pg_stat_replication",
                )
                if sent:
                    state, behind, lag = sent[0]
                    replication_ok = state == "streaming"
                    replication_detail = f"{state}, replay {int(behind or 0)} bytes behind, replay_lag {lag}"
        rows.append(("replication", replication_ok, replication_detail))
        bouncer_ok = pg_answers(layout.pgbouncer_port, dbname="conduit", user=APP_ROLE)
        rows.append(
            ("pgbouncer", bouncer_ok, f"{self.database_urls(from_host=False)['DATABASE_URL']} pool {POOL_SIZE}")
        )
        kind = self.config.get("cgroup")
        quota = self.config.get("cpu_quota")
        for host in range(1, self.replicas + 1):
            address, port = self.host_address(host)
            pid = read_pid(layout.state / f"host{host}.pid")
            alive = pid_alive(pid, "conduit serve")
            code = http_get(f"http://{address}:{port}/health/ready") if alive else None
            where = f"{layout.netns(host)} " if self.netns else ""
            cap = f", cpu {quota:.0%} of a core ({kind})" if quota else ""
            rows.append((f"conduit host {host}", code == 200, f"{where}{address}:{port} pid {pid} ready={code}{cap}"))
        nginx_ok = pid_alive(read_pid(layout.state / "nginx.pid"), "nginx") and (
            http_get(f"http://127.0.0.1:{layout.nginx_port}/health/ready") == 200
        )
        rows.append(("nginx", nginx_ok, f"http://127.0.0.1:{layout.nginx_port} -> {self.replicas} host(s)"))
        notes = []
        if self.config:
            notes.append(f"mode: {'netns' if self.netns else 'loopback'} ({self.config.get('netns_reason', '')})")
            notes.append(f"cpu caps: {self.config.get('cgroup_reason', '')}")
            limits = self.limits
            notes.append(
                f"rate limits: login {limits['login']}, registration {limits['registration']} per client address,"
                f" shared by the {self.replicas} host(s) (PostgreSQL store); client from X-Forwarded-For when sent by"
                f" {self.trusted_proxies}"
            )
        for note in notes:
            rows.append(("note", True, note))
        healthy = bool(self.config) and all(ok for _, ok, _ in rows)
        return healthy, rows


# --------------------------------------------------------------------------------------------------------- the CLI


def parse_quota(value: str) -> float | None:
    text = value.strip().lower()
    if text in ("", "none", "off", "0", "0%"):
        return None
    number = float(text.rstrip("%")) / 100 if text.endswith("%") else float(text)
    if not 0.01 <= number <= 64:
        raise argparse.ArgumentTypeError("a share of one core: 30% or 0.3 (up to 64 cores)")
    return number


def parse_limit(value: str) -> str:
    """A rate limit as the app reads it (RATE_LIMIT_LOGIN), refused here rather than by hosts that fail to start."""
    try:
        return str(RateLimit.parse(value))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


@contextlib.contextmanager
def slot_lock(layout: Layout) -> Iterator[None]:
    """One command at a time per slot (two `up`s racing would start everything twice)."""
    layout.state.mkdir(parents=True, exist_ok=True)
    with (layout.state / ".lock").open("w") as handle:
        deadline = time.monotonic() + 600
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ClusterError(f"another cluster command holds {layout.state / '.lock'}") from None
                time.sleep(0.2)
        yield


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scale/cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--slot", type=int, default=int(os.environ.get("CONDUIT_SCALE_SLOT", "0")), choices=range(10))
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start what is missing (idempotent)")
    up.add_argument("--replicas", type=int, default=None, help="Conduit hosts (default: as before, else 3)")
    up.add_argument(
        "--cpu-quota",
        type=parse_quota,
        default=argparse.SUPPRESS,
        help="cap each host at this share of a core (30%%), `none` to uncap; default: as before",
    )
    for action, default in (("login", DEFAULT_LOGIN_LIMIT), ("registration", DEFAULT_REGISTRATION_LIMIT)):
        up.add_argument(
            f"--{action}-limit",
            type=parse_limit,
            default=None,
            metavar="N/PERIOD",
            help=f"{action} attempts per client address, counted across all hosts (RATE_LIMIT_"
            f"{action.upper()}: 20/minute, 100/hour, 5/15minutes); default: as before, else {default}",
        )
    commands.add_parser("down", help="stop and remove everything (idempotent)")
    status = commands.add_parser("status", help="each component and whether it is healthy")
    status.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    cluster = Cluster(args.slot)
    try:
        with slot_lock(cluster.layout):
            cluster = Cluster(args.slot)  # re-read under the lock
            if args.command == "up":
                replicas = args.replicas or cluster.replicas or 3
                if not 1 <= replicas <= 9:
                    parser.error("--replicas: 1 to 9")
                quota = args.cpu_quota if "cpu_quota" in args else cluster.config.get("cpu_quota")
                for name, limit in (("login", args.login_limit), ("registration", args.registration_limit)):
                    if limit is not None:  # kept in cluster.json: a later `up` without it keeps it
                        cluster.config[f"{name}_limit"] = limit
                cluster.up(replicas, quota)
                return 0
            if args.command == "down":
                cluster.down()
                return 0
            if not cluster.config:
                print(
                    json.dumps({"healthy": False, "up": False})
                    if args.json
                    else f"DOWN cluster (slot {args.slot}) is not up"
                )
                return 1
            healthy, rows = cluster.status()
            if args.json:
                print(json.dumps({"healthy": healthy, **cluster.describe(), "components": rows}, indent=2))
            else:
                for name, ok, detail in rows:
                    mark = "  " if name == "note" else ("ok" if ok else "DOWN")
                    print(f"{mark:4} {name:18} {detail}")
            return 0 if healthy else 1
    except ClusterError as error:
        log(f"error: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
