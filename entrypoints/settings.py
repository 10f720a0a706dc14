"""Settings, from the environment or a `.env` file, validated once at start-up."""

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, IPvAnyNetwork, PlainValidator, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from entrypoints.http.rate_limit import LOGIN, REGISTRATION, RateLimit, RateLimitPolicy

DEFAULT_JWT_SECRET = "conduit-development-secret-change-me"  # noqa: S105 - refused in production below
# `10/minute`, `100/hour`, `5/15minutes`: parsed at start-up, a bad one is refused naming the setting.
RateLimitSetting = Annotated[RateLimit, NoDecode, PlainValidator(RateLimit.parse)]
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _default_data_dir() -> Path:
    """Project-local when running from a checkout; the working directory otherwise."""
    base = PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").exists() else Path.cwd()
    return base / ".conduit"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    environment: Literal["development", "production"] = Field(
        "development", validation_alias="CONDUIT_ENV", description="`production` enforces a real JWT secret."
    )
    database_url: str | None = Field(
        None, description="PostgreSQL URL. Unset: `conduit serve` starts an embedded PostgreSQL."
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        validation_alias="CONDUIT_DATA_DIR",
        description="Where the embedded PostgreSQL keeps its data.",
    )
    auto_migrate: bool | None = Field(
        None,
        validation_alias="CONDUIT_AUTO_MIGRATE",
        description="Apply migrations when `conduit serve` starts. Default: on, except in production.",
    )
    jwt_secret: SecretStr = Field(SecretStr(DEFAULT_JWT_SECRET), description="Key that signs tokens (HS256).")
    jwt_lifetime_minutes: int = Field(60 * 24 * 7, gt=0, description="How long a token stays valid.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        ["*"], description="Comma-separated origins allowed by CORS; `*` allows any."
    )
    bench_routes: bool = Field(
        False,
        validation_alias="CONDUIT_BENCH_ROUTES",
        description="Serve the benchmark's ceiling routes under /bench (bench/run.py turns it on).",
    )
    max_body_bytes: int = Field(
        1_572_864,
        gt=0,
        description="Largest request body accepted; larger ones get a 413. The default (1.5 MiB) fits the longest "
        "valid article even with every character escaped.",
    )
    rate_limit_enabled: bool = Field(
        True, description="Limit login and registration attempts per client address (429 with Retry-After)."
    )
    rate_limit_login: RateLimitSetting = Field(
        "10/minute",
        validate_default=True,
        description="Login attempts per client address: `N/period` is a burst of N, then one more every period/N.",
    )
    rate_limit_registration: RateLimitSetting = Field(
        "60/hour",
        validate_default=True,
        description="Registrations per client address, as RATE_LIMIT_LOGIN.",
    )
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        [],
        description="Comma-separated addresses or CIDR networks of the reverse proxies in front of the service: "
        "only a request from one of them has its client address read from X-Forwarded-For.",
    )
    db_pool_size: int = Field(10, gt=0, description="Connections kept open per process.")
    db_max_overflow: int = Field(10, ge=0, description="Extra connections allowed per process under load.")
    db_pool_timeout_seconds: float = Field(10.0, gt=0, description="How long a request waits for a connection.")
    db_statement_timeout_seconds: float = Field(
        5.0, gt=0, description="Longest a statement (or a wait for a lock) may run before the request gets a 503."
    )
    log_format: Literal["auto", "json", "console"] = Field(
        "auto",
        description="`json`: a JSON object per line; `console`: readable lines; `auto`: console on a terminal, "
        "else JSON.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", description="The least severe level written to the log."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return [network.strip() for network in value.split(",") if network.strip()]
        return value

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):
            return value.strip().upper() if info.field_name == "log_level" else value.strip().lower()
        return value

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> "Settings":
        if self.environment == "production":
            secret = self.jwt_secret.get_secret_value()
            if secret == DEFAULT_JWT_SECRET or len(secret) < 32:
                raise ValueError("JWT_SECRET must be set to a random value of 32+ characters in production")
        return self

    @property
    def jwt_lifetime(self) -> timedelta:
        return timedelta(minutes=self.jwt_lifetime_minutes)

    @property
    def rate_limits(self) -> RateLimitPolicy:
        return RateLimitPolicy(
            enabled=self.rate_limit_enabled,
            limits={LOGIN: self.rate_limit_login, REGISTRATION: self.rate_limit_registration},
            trusted_proxies=tuple(self.trusted_proxies),
        )

    @property
    def migrate_on_start(self) -> bool:
        return self.auto_migrate if self.auto_migrate is not None else self.environment != "production"
