"""The `conduit` command line drives the same use cases as the HTTP API."""

import subprocess
import sys
import uuid

import pytest

from tests.e2e.conduit_process import PROJECT_ROOT, conduit_env, request, run_cli

pytestmark = pytest.mark.e2e


def test_user_created_from_the_command_line_can_log_in_over_http(e2e_database_url: str, conduit_url: str) -> None:
    name = f"cli_{uuid.uuid4().hex[:8]}"
    env = conduit_env(DATABASE_URL=e2e_database_url)

    created = run_cli(
        "users", "create", "--username", name, "--email", f"{name}@x.io", "--password", "s3cret-pw", env=env
    )
    status, body = request(
        "POST", f"{conduit_url}/api/users/login", {"user": {"email": f"{name}@x.io", "password": "s3cret-pw"}}
    )

    assert created.returncode == 0, created.stderr
    assert f"created user {name}" in created.stdout
    assert status == 200
    assert body["user"]["username"] == name


def test_users_create_reports_a_taken_username_and_fails(e2e_database_url: str) -> None:
    name = f"cli_{uuid.uuid4().hex[:8]}"
    env = conduit_env(DATABASE_URL=e2e_database_url)
    run_cli("users", "create", "--username", name, "--email", f"{name}@x.io", "--password", "s3cret-pw", env=env)

    again = run_cli(
        "users", "create", "--username", name, "--email", f"o{name}@x.io", "--password", "s3cret-pw", env=env
    )

    assert again.returncode == 1
    assert "username has already been taken" in again.stderr


def test_db_commands_report_and_move_the_revision(e2e_database_url: str, conduit_url: str) -> None:
    env = conduit_env(DATABASE_URL=e2e_database_url)

    current = run_cli("db", "current", env=env)

    assert current.returncode == 0, current.stderr
    assert current.stdout.strip().endswith("(head)")


def test_invalid_setting_is_named_and_refused(e2e_database_url: str) -> None:
    env = conduit_env(DATABASE_URL=e2e_database_url, CONDUIT_ENV="production")

    result = run_cli("serve", env=env)

    assert result.returncode == 2
    assert "JWT_SECRET" in result.stderr


def test_readme_script_example_registers_a_user_in_process(e2e_database_url: str, conduit_url: str) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    name = f"script_{uuid.uuid4().hex[:8]}"
    script = example.replace('"jake"', f'"{name}"').replace("jake@example.com", f"{name}@example.com")

    result = subprocess.run(
        [sys.executable, "-c", script],
        env=conduit_env(DATABASE_URL=e2e_database_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=PROJECT_ROOT,
    )
    status, _ = request(
        "POST",
        f"{conduit_url}/api/users/login",
        {"user": {"email": f"{name}@example.com", "password": "correct horse battery"}},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{name} ey")
    assert status == 200
