"""The operator's command line, through the real `conduit` binary: users, articles and seed, with `--json`."""

import json
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy.engine import make_url

from tests.e2e.conduit_process import conduit_env, conduit_serve, request, run_cli, shared_dir
from tests.postgres import PostgresServer

pytestmark = pytest.mark.e2e

TINY_SEED = {
    "users": 8,
    "articles": 30,
    "comments": 40,
    "favorites": 50,
    "follows": 12,
    "tags": 6,
    "tags-per-article": 2,
}


def cli_json(*args: str, env: dict[str, str]) -> Any:
    """Run a command with --json; it must succeed and print exactly one JSON document (and nothing on stderr)."""
    result = run_cli(*args, "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def cli_error(*args: str, env: dict[str, str]) -> tuple[int, Any]:
    """Run a command with --json that must fail: its status, and the one JSON document on stderr."""
    result = run_cli(*args, "--json", env=env)
    assert result.returncode != 0
    assert result.stdout == ""
    return result.returncode, json.loads(result.stderr)


def options(values: dict[str, Any]) -> list[str]:
    """`{"users": 3}` → `["--users", "3"]`."""
    return [part for name, value in values.items() for part in (f"--{name}", str(value))]


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def register(base_url: str, username: str) -> str:
    status, body = request(
        "POST",
        f"{base_url}/api/users",
        {"user": {"username": username, "email": f"{username}@example.com", "password": "s3cret-pw"}},
    )
    assert status == 201, body
    token: str = body["user"]["token"]
    return token


def write_article(base_url: str, token: str, title: str, tags: list[str]) -> str:
    article = {"title": title, "description": "About it", "body": "It is so.", "tagList": tags}
    status, body = request("POST", f"{base_url}/api/articles", {"article": article}, token=token)
    assert status == 201, body
    slug: str = body["article"]["slug"]
    return slug


@pytest.fixture(scope="module")
def env(e2e_database_url: str) -> dict[str, str]:
    return conduit_env(DATABASE_URL=e2e_database_url)


# --- users ------------------------------------------------------------------------------------------------------


def test_users_created_from_the_command_line_are_listed_oldest_first(env: dict[str, str]) -> None:
    names = [unique(f"listed{n}") for n in range(3)]
    created = [
        cli_json("users", "create", "--username", name, "--email", f"{name}@x.io", "--password", "s3cret-pw", env=env)
        for name in names
    ]

    everyone = cli_json("users", "list", "--limit", "100", env=env)
    start = [user["username"] for user in everyone["users"]].index(names[0])
    window = cli_json("users", "list", "--limit", "2", "--offset", str(start + 1), env=env)

    assert created[0] == {"user": {"username": names[0], "email": f"{names[0]}@x.io", "bio": None, "image": None}}
    assert [user["username"] for user in everyone["users"][start : start + 3]] == names
    assert everyone["usersCount"] == len(everyone["users"])
    assert window == {"users": everyone["users"][start + 1 : start + 3], "usersCount": everyone["usersCount"]}
    assert set(everyone["users"][start]) == {"username", "email", "bio", "image", "createdAt"}  # no hash, no token


# --- articles ---------------------------------------------------------------------------------------------------


def test_articles_list_prints_what_the_api_answers_for_the_same_filters(env: dict[str, str], conduit_url: str) -> None:
    author, fan = unique("author"), unique("fan")
    author_token, fan_token = register(conduit_url, author), register(conduit_url, fan)
    tag = unique("tag")
    slugs = [write_article(conduit_url, author_token, f"Article {n}", [tag, f"n{n}"]) for n in range(3)]
    status, _ = request("POST", f"{conduit_url}/api/articles/{slugs[1]}/favorite", token=fan_token)
    assert status == 200

    for filters in ({"author": author}, {"tag": tag, "limit": "1", "offset": "1"}, {"favorited": fan}, {"tag": ""}):
        from_cli = cli_json("articles", "list", *options(filters), env=env)
        status, from_api = request("GET", f"{conduit_url}/api/articles?{urlencode(filters)}")

        assert status == 200
        assert from_cli == from_api, filters


def test_articles_delete_takes_down_anybodys_article_with_its_comments(env: dict[str, str], conduit_url: str) -> None:
    author, reader = unique("author"), unique("reader")
    author_token, reader_token = register(conduit_url, author), register(conduit_url, reader)
    slug = write_article(conduit_url, author_token, "Spam, spam and spam", ["spam"])
    status, _ = request("POST", f"{conduit_url}/api/articles/{slug}/comments", {"comment": {"body": "!"}}, reader_token)
    assert status == 201

    deleted = cli_json("articles", "delete", slug, env=env)
    article_status, _ = request("GET", f"{conduit_url}/api/articles/{slug}")
    comments_status, _ = request("GET", f"{conduit_url}/api/articles/{slug}/comments")
    again = cli_error("articles", "delete", slug, env=env)

    assert deleted == {"deleted": {"slug": slug, "title": "Spam, spam and spam", "author": author}}
    assert (article_status, comments_status) == (404, 404)
    assert again == (1, {"errors": {"article": ["not found"]}})


# --- errors -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "status", "errors"),
    [
        (("users", "list", "--limit", "0"), 1, {"limit": ["must be between 1 and 100"]}),
        (("articles", "list", "--offset", "-1"), 1, {"offset": ["must be between 0 and 2147483647"]}),
        (("seed", "--users", "2", "--follows", "3"), 1, {"follows": ["is more than 2 users can make (maximum is 2)"]}),
        (("users", "list", "--limit", "many"), 2, None),
        (("users", "create", "--username", "nobody"), 2, None),
    ],
    ids=["use case refuses", "query refuses", "seed refuses a size", "not a number", "missing option"],
)
def test_errors_come_as_one_json_document_on_stderr_with_a_failing_status(
    env: dict[str, str], args: tuple[str, ...], status: int, errors: dict[str, list[str]] | None
) -> None:
    code, document = cli_error(*args, env=env)

    assert code == status
    assert set(document) == {"errors"}
    if errors is not None:
        assert document["errors"] == errors
    else:  # usage errors name the option and say what is wrong with it
        (field, messages), *_ = document["errors"].items()
        assert field in {"limit", "email", "password"}
        assert messages


def test_seed_refuses_a_database_that_already_holds_data(env: dict[str, str]) -> None:
    name = unique("admin")
    cli_json("users", "create", "--username", name, "--email", f"{name}@x.io", "--password", "s3cret-pw", env=env)

    code, document = cli_error("seed", "--users", "2", "--articles", "1", env=env)

    assert (code, document) == (1, {"errors": {"database": ["already holds data: seed an empty database"]}})


def test_a_database_out_of_reach_is_reported_as_json(pg_server: PostgresServer) -> None:
    missing = make_url(pg_server.admin_url).set(database=unique("conduit_never_created"))  # refused, as when down
    env = conduit_env(DATABASE_URL=missing.render_as_string(hide_password=False))

    code, document = cli_error("users", "list", env=env)

    assert (code, document) == (1, {"errors": {"database": ["is unavailable, try again shortly"]}})


# --- seed -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    env: dict[str, str]
    report: Any
    base_url: str


@pytest.fixture(scope="module")
def seeded(pg_server: PostgresServer) -> Iterator[Seeded]:
    """A fresh database seeded at a tiny size, then served by a real `conduit serve`."""
    with pg_server.database("conduit_e2e_seed") as url:
        env = conduit_env(DATABASE_URL=url)
        report = cli_json("seed", *options(TINY_SEED), "--seed", "5", env=env)
        with conduit_serve(env) as base_url:
            yield Seeded(env, report, base_url)


def test_seed_reports_what_was_asked_for(seeded: Seeded) -> None:
    report = seeded.report

    assert report["counts"] == {name: value for name, value in TINY_SEED.items() if name != "tags-per-article"}
    assert report["demo_password"] == "conduit-demo"
    assert len(report["sample_usernames"]) == len(report["sample_emails"]) == 3


def test_seeded_users_sign_in_over_http_and_the_api_counts_match_the_report(seeded: Seeded) -> None:
    base, counts, password = seeded.base_url, seeded.report["counts"], seeded.report["demo_password"]
    accounts = cli_json("users", "list", "--limit", "100", env=seeded.env)["users"]

    tokens = {}
    for account in accounts:
        status, body = request(
            "POST", f"{base}/api/users/login", {"user": {"email": account["email"], "password": password}}
        )
        assert status == 200, account
        tokens[account["username"]] = body["user"]["token"]
    _, listed = request("GET", f"{base}/api/articles?limit=100")
    _, tags = request("GET", f"{base}/api/tags")
    comments = [request("GET", f"{base}/api/articles/{a['slug']}/comments")[1]["comments"] for a in listed["articles"]]
    following = [
        request("GET", f"{base}/api/profiles/{other['username']}", token=token)[1]["profile"]["following"]
        for username, token in tokens.items()
        for other in accounts
        if other["username"] != username
    ]

    assert len(accounts) == counts["users"]
    assert seeded.report["sample_usernames"][0] in tokens
    assert listed["articlesCount"] == len(listed["articles"]) == counts["articles"]
    assert sum(article["favoritesCount"] for article in listed["articles"]) == counts["favorites"]
    assert sum(len(on_article) for on_article in comments) == counts["comments"]
    assert sum(following) == counts["follows"]
    assert len(tags["tags"]) == counts["tags"]


def test_the_official_hurl_suite_passes_on_seeded_data(seeded: Seeded) -> None:
    shared = shared_dir()
    files = sorted(str(path) for path in (shared / "realworld" / "hurl").glob("*.hurl"))

    result = subprocess.run(
        [str(shared / "conformance" / "run-hurl.sh"), seeded.base_url, *files],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={"CONTINUE": "1", "PATH": "/usr/local/bin:/usr/bin:/bin"},
    )

    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary.endswith(" passed, 0 failed"), result.stdout


def test_seed_without_json_draws_progress_on_stderr_and_prints_the_password(pg_server: PostgresServer) -> None:
    with pg_server.database("conduit_e2e_seed_text") as url:
        sizes = {"users": 3, "articles": 4, "comments": 2, "favorites": 5, "follows": 2, "tags": 3}
        result = run_cli("seed", *options(sizes), env=conduit_env(DATABASE_URL=url))

    assert result.returncode == 0, result.stderr
    assert "conduit-demo" in result.stdout
    assert "articles" in result.stderr
    assert "4/4" in result.stderr
