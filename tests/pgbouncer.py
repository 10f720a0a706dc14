"""A throwaway PgBouncer for tests: transaction pooling in front of the test PostgreSQL, on a free 127.0.0.1 port.

- `pgbouncer_binary()`: Debian's pgbouncer; installed with apt-get when missing and running as root (as `./run`
  installs chromium), else None, and the tests that need it skip saying so.
- `PgBouncer`: one process with its own configuration in a temporary directory: every database of the server
  (`* = host=… port=…`), `auth_type = trust`, `default_pool_size` server connections per database and user, and the
  statement timeout Conduit asks for set on every server connection it opens (`connect_query`), as the README tells
  operators to. Conduit sends no startup parameters through it (DB_TRANSACTION_POOLER).
- `CONDUIT_TEST_PGBOUNCER=1`: the whole suite's app connections go through one such PgBouncer (tests/postgres.py),
  while CREATE/DROP DATABASE and fault injection use the server directly.

PgBouncer refuses to run as root: as root it is started with `-u postgres`.
"""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
from sqlalchemy.engine import make_url

SWITCH = "CONDUIT_TEST_PGBOUNCER"
POOL_SIZE = 20
STATEMENT_TIMEOUT_MS = 5000  # DB_STATEMENT_TIMEOUT_SECONDS' default
APPLICATION_NAME = "conduit-test-pgbouncer"  # what the server sees on the connections PgBouncer opens
RUN_AS = "postgres"


def enabled() -> bool:
    return os.environ.get(SWITCH, "").strip().lower() in {"1", "true", "yes", "on"}


def pgbouncer_binary() -> str | None:
    found = shutil.which("pgbouncer") or next((p for p in ("/usr/sbin/pgbouncer",) if Path(p).exists()), None)
    if found or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return found
    # The package's own service is not ours: policy-rc.d 101 keeps apt from starting it.
    policy = Path("/usr/sbin/policy-rc.d")
    created = not policy.exists()
    if created:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        command = ["apt-get", "install", "-y", "-q", "pgbouncer"]
        if subprocess.run(command, capture_output=True, check=False, timeout=600).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=False, timeout=600)
            subprocess.run(command, capture_output=True, check=False, timeout=600)
    finally:
        if created:
            policy.unlink()
    return shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PgBouncer:
    def __init__(self, server_url: str, *, pool_size: int = POOL_SIZE, binary: str | None = None) -> None:
        binary = binary or pgbouncer_binary()
        if binary is None:
            raise RuntimeError("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
        self.binary, self.pool_size = binary, pool_size
        server = make_url(server_url)
        self.server_host, self.server_port = server.host or "127.0.0.1", server.port or 5432
        self.port = free_port()
        self._folder = Path(tempfile.mkdtemp(prefix="conduit-test-pgbouncer-"))
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        return self._folder / "pgbouncer.ini"

    @property
    def log_path(self) -> Path:
        return self._folder / "pgbouncer.log"

    def url(self, database_url: str) -> str:
        """`database_url`, through this PgBouncer."""
        return make_url(database_url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def start(self) -> None:
        folder = self._folder
        (folder / "users.txt").write_text('"postgres" ""\n')
        server = f"host={self.server_host} port={self.server_port}"
        setup = f"connect_query='SET statement_timeout = {STATEMENT_TIMEOUT_MS}'"
        # application_name on PgBouncer's server connections: pg_stat_activity tells them apart (the proof tests)
        self.config_path.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = {server} {setup} application_name={APPLICATION_NAME}",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {folder / 'users.txt'}",
                    "admin_users = postgres",
                    "pool_mode = transaction",
                    f"default_pool_size = {self.pool_size}",
                    "min_pool_size = 0",
                    "reserve_pool_size = 0",
                    "max_client_conn = 2000",
                    "max_db_connections = 0",
                    "application_name_add_host = 0",
                    f"logfile = {self.log_path}",
                    "",
                ]
            )
        )
        if os.geteuid() == 0:
            user = pwd.getpwnam(RUN_AS)
            os.chown(folder, user.pw_uid, user.pw_gid)
            for path in folder.iterdir():
                os.chown(path, user.pw_uid, user.pw_gid)
        self._spawn()

    def _spawn(self) -> None:
        command = [self.binary, *(["-u", RUN_AS] if os.geteuid() == 0 else []), str(self.config_path)]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pgbouncer did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="pgbouncer").close()
        except psycopg2.OperationalError:
            return False
        return True

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)  # SIGINT: "safe shutdown"; SIGTERM would be immediate
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def kill(self) -> None:
        """Gone at once, every client and server connection cut, as a crash would."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None

    def restart(self, down_seconds: float = 0.0) -> None:
        self.kill()
        time.sleep(down_seconds)
        self._spawn()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._folder, ignore_errors=True)

    def show(self, what: str) -> list[dict[str, object]]:
        """PgBouncer's admin console: SHOW POOLS, SHOW SERVERS, …"""
        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="pgbouncer")
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SHOW {what}")
                names = [column.name for column in cursor.description or ()]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            connection.close()


@contextlib.contextmanager
def pgbouncer(server_url: str, *, pool_size: int = POOL_SIZE) -> Iterator[PgBouncer]:
    bouncer = PgBouncer(server_url, pool_size=pool_size)
    bouncer.start()
    try:
        yield bouncer
    finally:
        bouncer.close()
