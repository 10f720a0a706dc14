"""Settings: every one documented in the README, read from the environment or .env, refused with its name."""

import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from entrypoints.cli import cli
from entrypoints.settings import DEFAULT_JWT_SECRET, Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def environment_names() -> set[str]:
    return {str(field.validation_alias or name).upper() for name, field in Settings.model_fields.items()}


def test_readme_configuration_table_lists_exactly_the_settings() -> None:
    table = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]

    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", table, flags=re.MULTILINE))

    assert documented == environment_names()


def test_settings_are_read_from_a_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DB_POOL_SIZE", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("DB_POOL_SIZE=3\nCORS_ORIGINS=http://a.example, http://b.example\n")

    settings = Settings(_env_file=env_file)

    assert settings.db_pool_size == 3
    assert settings.cors_origins == ["http://a.example", "http://b.example"]


def test_environment_overrides_the_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DB_POOL_SIZE=3\n")
    monkeypatch.setenv("DB_POOL_SIZE", "7")

    assert Settings(_env_file=env_file).db_pool_size == 7


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUIT_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", DEFAULT_JWT_SECRET)

    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(_env_file=None)


def test_production_accepts_a_long_random_secret_and_stops_migrating_on_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUIT_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", "x" * 40)

    settings = Settings(_env_file=None)

    assert settings.migrate_on_start is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DB_POOL_SIZE", "many"), ("JWT_LIFETIME_MINUTES", "0"), ("CONDUIT_ENV", "staging")],
)
def test_cli_names_the_bad_setting_and_exits_2(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)

    result = CliRunner().invoke(cli, ["db", "current"])

    assert result.exit_code == 2
    assert f"invalid setting {variable}" in result.output
