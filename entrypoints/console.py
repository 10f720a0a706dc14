"""What the command line shows: one JSON document per command for scripts (`--json`), tables and a progress bar
for people. Errors go to stderr: `{"errors": {field: [messages]}}` in JSON mode, readable lines otherwise."""

import contextlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer._click.core import Context
from typer._click.exceptions import UsageError  # typer vendors click and re-exports only BadParameter
from typer.core import TyperCommand

from application.seeding import SeedReport
from application.views import (
    ArticlePage,
    ArticleView,
    ProfileView,
    RemovedArticleView,
    UserPage,
    UserSummaryView,
    UserView,
)
from domain.errors import DomainError

if TYPE_CHECKING:
    from entrypoints.container import Container
    from entrypoints.settings import Settings

Document = dict[str, Any]
DATABASE_UNAVAILABLE = {"database": ["is unavailable, try again shortly"]}  # the API's 503 says the same


def timestamp(moment: datetime) -> str:
    """As the API writes it: UTC, milliseconds, `Z` (2016-02-18T03:22:56.637Z)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def emit(document: Document) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False))


def emit_errors(errors: dict[str, list[str]], *, json_output: bool) -> None:
    if json_output:
        typer.echo(json.dumps({"errors": errors}, ensure_ascii=False), err=True)
        return
    for field, messages in errors.items():
        typer.secho(f"{field} {'; '.join(messages)}", err=True, fg="red")


@contextlib.contextmanager
def reported_errors(*, json_output: bool) -> Iterator[None]:
    """A refused command (domain error) or an unreachable database: reported on stderr, exit status 1."""
    # Imported here: every `conduit` command, `serve` included, loads this module at start-up.
    import psycopg2  # noqa: PLC0415
    import sqlalchemy.exc  # noqa: PLC0415

    try:
        yield
    except DomainError as error:
        emit_errors(error.errors, json_output=json_output)
        raise typer.Exit(1) from None
    except (sqlalchemy.exc.OperationalError, psycopg2.OperationalError):
        emit_errors(DATABASE_UNAVAILABLE, json_output=json_output)
        raise typer.Exit(1) from None


@contextlib.contextmanager
def use_cases(settings: Callable[[], "Settings"], *, json_output: bool) -> Iterator["Container"]:
    """The scripting container (database chosen and migrated as `serve` would); errors reported, exit status 1."""
    # Not at import: `conduit serve` sets up metrics before anything imports the container.
    from entrypoints.scripting import conduit  # noqa: PLC0415

    if json_output:
        logging.getLogger("alembic").setLevel(logging.WARNING)  # stderr carries nothing but an error document
    with reported_errors(json_output=json_output), conduit(settings()) as container:
        yield container


class JsonErrorsCommand(TyperCommand):
    """Usage errors (a missing option, a value that is not a number) also come as `{"errors": …}` under --json."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        wants_json = "--json" in args
        try:
            return super().parse_args(ctx, args)
        except UsageError as error:
            if not wants_json:
                raise
            param = getattr(error, "param", None)
            field = param.name if param is not None and param.name else "usage"
            emit_errors({field: [error.format_message()]}, json_output=True)
            raise typer.Exit(2) from None


# --- JSON documents: the API's shapes and names (camelCase) where the API has them, so one parser reads both ---


def _profile(view: ProfileView) -> Document:
    return {"username": view.username, "bio": view.bio, "image": view.image, "following": view.following}


def account_json(view: UserView) -> Document:
    """A created account, without its token: the person it belongs to signs in for themselves."""
    return {"user": {"username": view.username, "email": view.email, "bio": view.bio, "image": view.image}}


def _user_summary(view: UserSummaryView) -> Document:
    return {
        "username": view.username,
        "email": view.email,
        "bio": view.bio,
        "image": view.image,
        "createdAt": timestamp(view.created_at),
    }


def users_json(page: UserPage) -> Document:
    return {"users": [_user_summary(view) for view in page.users], "usersCount": page.count}


def _article_item(view: ArticleView) -> Document:
    return {
        "slug": view.slug,
        "title": view.title,
        "description": view.description,
        "tagList": list(view.tags),
        "createdAt": timestamp(view.created_at),
        "updatedAt": timestamp(view.updated_at),
        "favorited": view.favorited,
        "favoritesCount": view.favorites_count,
        "author": _profile(view.author),
    }


def articles_json(page: ArticlePage) -> Document:
    """As GET /api/articles answers an anonymous reader."""
    return {"articles": [_article_item(view) for view in page.articles], "articlesCount": page.count}


def removed_json(view: RemovedArticleView) -> Document:
    return {"deleted": {"slug": view.slug, "title": view.title, "author": view.author}}


def seed_json(report: SeedReport, seconds: float) -> Document:
    """No API counterpart. Scripts (bench/run.py) sign in with `demo_password` and one of `sample_emails`."""
    return {
        "counts": {
            "users": report.users,
            "follows": report.follows,
            "articles": report.articles,
            "comments": report.comments,
            "favorites": report.favorites,
            "tags": report.tags,
        },
        "demo_password": report.password,
        "sample_usernames": [account.username for account in report.accounts],
        "sample_emails": [account.email for account in report.accounts],
        "seconds": round(seconds, 1),
    }


# --- for people ------------------------------------------------------------------------------------------------


def _window(offset: int, shown: int, count: int) -> str:
    return f"{offset + 1}-{offset + shown} of {count}" if shown else f"none of {count}"


def print_users(page: UserPage, offset: int) -> None:
    table = Table(title=f"Users {_window(offset, len(page.users), page.count)}", title_justify="left")
    table.add_column("Username", no_wrap=True)
    table.add_column("Email", no_wrap=True)
    table.add_column("Joined", no_wrap=True)
    table.add_column("Bio", overflow="ellipsis", no_wrap=True, max_width=40)
    for view in page.users:
        table.add_row(view.username, view.email, f"{view.created_at.astimezone(UTC):%Y-%m-%d %H:%M}", view.bio or "")
    Console().print(table)


def print_articles(page: ArticlePage, offset: int) -> None:
    table = Table(title=f"Articles {_window(offset, len(page.articles), page.count)}", title_justify="left")
    table.add_column("Slug", no_wrap=True)
    table.add_column("Title", overflow="ellipsis", no_wrap=True, max_width=40)
    table.add_column("Author", no_wrap=True)
    table.add_column("Tags", overflow="ellipsis", max_width=30)
    table.add_column("♥", justify="right")
    table.add_column("Created", no_wrap=True)
    for view in page.articles:
        table.add_row(
            view.slug,
            view.title,
            view.author.username,
            ", ".join(view.tags),
            str(view.favorites_count),
            f"{view.created_at.astimezone(UTC):%Y-%m-%d %H:%M}",
        )
    Console().print(table)


def print_seed_report(report: SeedReport, seconds: float) -> None:
    table = Table(title=f"Seeded in {seconds:.1f}s", title_justify="left")
    for name in ("users", "follows", "articles", "comments", "favorites", "tags"):
        table.add_column(name.capitalize(), justify="right")
    counts = (report.users, report.follows, report.articles, report.comments, report.favorites, report.tags)
    table.add_row(*(f"{count:,}" for count in counts))
    console = Console()
    console.print(table)
    console.print(f"Every seeded account signs in with the password [bold]{report.password}[/bold], e.g.:")
    for account in report.accounts:
        console.print(f"  {account.username}  <{account.email}>", highlight=False)


class ProgressBar:
    """A ProgressReporter drawing one bar per stage on stderr; silent in JSON mode unless stderr is a terminal."""

    def __init__(self, *, json_output: bool) -> None:
        console = Console(stderr=True)
        self._progress = Progress(
            TextColumn("{task.description:>9}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=json_output and not console.is_terminal,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> "ProgressBar":
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()

    def begin(self, stages: Sequence[tuple[str, int]]) -> None:
        for stage, total in stages:
            self._tasks[stage] = self._progress.add_task(stage, total=total)

    def advance(self, stage: str, amount: int) -> None:
        self._progress.advance(self._tasks[stage], amount)
