"""Use cases in-process, for the command line and for scripts: the same container the HTTP API uses."""

import contextlib
from collections.abc import Iterator

from entrypoints.container import Container, build_container
from entrypoints.database import database, upgrade
from entrypoints.settings import Settings


@contextlib.contextmanager
def conduit(settings: Settings | None = None) -> Iterator[Container]:
    """A ready container: database chosen and migrated as `conduit serve` would, pool closed on exit."""
    settings = settings or Settings()
    with database(settings) as url:
        if settings.migrate_on_start:
            upgrade(url)
        container = build_container(settings.model_copy(update={"database_url": url}))
        container.init_resources()
        try:
            yield container
        finally:
            container.shutdown_resources()
