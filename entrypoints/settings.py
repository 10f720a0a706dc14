"""Settings, from the environment or a `.env` file, validated once at start-up."""

from dataclasses import dataclass
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
# Connections: PostgreSQL's default max_connections is 100, 3 of them reserved for superusers; what is left beyond 80
# is for migrations, psql sessions, monitoring, and a second instance overlapping during a deploy.
DEFAULT_DB_MAX_CONNECTIONS = 80
DEFAULT_POOL_SIZE_CAP = 10  # an unset DB_POOL_SIZE is the worker's share of the budget, at most this
PROBE_CONNECTIONS = 1  # /health/ready opens a connection of its own, outside the pool, for a moment
# Threads beyond the connections: for what holds none (the health probes, token-only routes, /metrics), and so that
# a request starved of a connection waits at most DB_POOL_TIMEOUT_SECONDS for one and gets a 503, never forever.
THREADS_WITHOUT_CONNECTION = 4


class PoolSizingError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class PoolPlan:
    """Connections and threads of each worker process, and what they add up to over the workers."""

    workers: int
    pool_size: int
    max_overflow: int

    @property
    def connections_per_worker(self) -> int:
        return self.pool_size + self.max_overflow + PROBE_CONNECTIONS

    @property
    def connections(self) -> int:
        return self.workers * self.connections_per_worker

    @property
    def threads(self) -> int:
        """anyio's thread limiter, which runs every sync route and dependency: each thread holds one connection at
        most, so at most THREADS_WITHOUT_CONNECTION of them can ever be waiting on the pool."""
        return self.pool_size + self.max_overflow + THREADS_WITHOUT_CONNECTION

    def describe(self) -> str:
        return (
            f"{self.workers} worker(s) x ({self.pool_size} DB_POOL_SIZE + {self.max_overflow} DB_MAX_OVERFLOW"
            f" + {PROBE_CONNECTIONS} readiness probe) = {self.connections} database connections at most"
        )


def plan_pools(*, max_connections: int, workers: int, pool_size: int | None, max_overflow: int) -> PoolPlan:
    """Each worker's pool such that `workers x (pool_size + max_overflow + probe) <= max_connections`.

    An unset pool size is the worker's share of the budget (at most DEFAULT_POOL_SIZE_CAP); a set one that does not
    fit is refused, saying what would."""
    if workers < 1:
        raise PoolSizingError(f"workers must be 1 or more, not {workers}")
    share = max_connections // workers - max_overflow - PROBE_CONNECTIONS
    if pool_size is None:
        if share < 1:
            needed = workers * (1 + max_overflow + PROBE_CONNECTIONS)
            raise PoolSizingError(
                f"DB_MAX_CONNECTIONS={max_connections} cannot give {workers} worker(s) one connection each"
                f" (with DB_MAX_OVERFLOW={max_overflow} and the readiness probe's): it takes {needed};"
                " raise DB_MAX_CONNECTIONS, lower DB_MAX_OVERFLOW or run fewer workers"
            )
        pool_size = min(DEFAULT_POOL_SIZE_CAP, share)
    plan = PoolPlan(workers=workers, pool_size=pool_size, max_overflow=max_overflow)
    if plan.connections > max_connections:
        advice = f"set DB_POOL_SIZE to {share} or less" if share >= 1 else "lower DB_MAX_OVERFLOW"
        raise PoolSizingError(
            f"{plan.describe()}, over DB_MAX_CONNECTIONS={max_connections}: {advice}, run fewer workers,"
            " or raise DB_MAX_CONNECTIONS"
        )
    return plan


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
    database_read_url: Annotated[list[str], NoDecode] = Field(
        [],
        description="Comma-separated URLs of streaming replicas of DATABASE_URL. Reads go to them (in turn) while "
        "they answer and are at most REPLICA_MAX_LAG_SECONDS behind; writes, and the reads of a user who wrote "
        "within READ_YOUR_WRITES_SECONDS, go to the primary.",
    )
    read_your_writes_seconds: float = Field(
        10.0, gt=0, description="After a write, how long that user's reads stay on the primary (with replicas)."
    )
    replica_max_lag_seconds: float = Field(
        1.0, gt=0, description="A replica further behind the primary than this gets no reads until it catches up."
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
    rate_limit_store: Literal["auto", "memory", "postgres", "redis"] = Field(
        "auto",
        description="Where the rate-limit counters live: `memory` (each process its own: right for one process "
        "only), `postgres` (a table of the database), `redis` (REDIS_URL). `auto`: redis when REDIS_URL is set, else "
        "postgres when more than one process serves (CONDUIT_WORKERS or CONDUIT_REPLICAS above 1), else memory.",
    )
    redis_url: str | None = Field(
        None, description="Redis (`redis://host:6379/0`) for state the processes share: the rate-limit counters."
    )
    workers: int = Field(
        1,
        ge=1,
        validation_alias="CONDUIT_WORKERS",
        description="Worker processes of this instance; `conduit serve --workers N` sets it for its workers.",
    )
    replicas: int = Field(
        1,
        ge=1,
        validation_alias="CONDUIT_REPLICAS",
        description="Instances of the service side by side on one database (behind a load balancer); above 1, "
        "RATE_LIMIT_STORE=auto keeps the counters where they all see them.",
    )
    db_max_connections: int = Field(
        DEFAULT_DB_MAX_CONNECTIONS,
        gt=0,
        description="Database connections this service may hold in all, over every worker process: pools are sized "
        "within it, and `conduit serve` refuses a worker count and pool sizes that could exceed it.",
    )
    db_pool_size: int | None = Field(
        None,
        gt=0,
        description="Connections kept open per worker process. Unset: the worker's share of DB_MAX_CONNECTIONS, at "
        "most 10.",
    )
    db_max_overflow: int = Field(
        0, ge=0, description="Extra connections a worker may open under load, and close again when it ebbs."
    )
    db_pool_timeout_seconds: float = Field(10.0, gt=0, description="How long a request waits for a connection.")
    db_statement_timeout_seconds: float = Field(
        5.0, gt=0, description="Longest a statement (or a wait for a lock) may run before the request gets a 503."
    )
    db_transaction_pooler: bool = Field(
        False,
        description="DATABASE_URL (and DATABASE_READ_URL) lead to a pooler in transaction mode (PgBouncer): Conduit "
        "sends no startup parameters, which PgBouncer refuses; the statement timeout is then the server's "
        "(`ALTER ROLE ... SET statement_timeout`, or PgBouncer's connect_query), checked by `conduit serve`.",
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

    @field_validator("database_read_url", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [url.strip() for url in value.split(",") if url.strip()]
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
    def _one_process_fits_the_connection_budget(self) -> "Settings":
        self.pool_plan(workers=1)  # more workers: `conduit serve --workers N` checks its own count
        return self

    @model_validator(mode="after")
    def _redis_store_needs_redis(self) -> "Settings":
        if self.rate_limit_store == "redis" and not self.redis_url:
            raise ValueError("RATE_LIMIT_STORE=redis needs REDIS_URL")
        return self

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> "Settings":
        if self.environment == "production":
            secret = self.jwt_secret.get_secret_value()
            if secret == DEFAULT_JWT_SECRET or len(secret) < 32:
                raise ValueError("JWT_SECRET must be set to a random value of 32+ characters in production")
        return self

    def pool_plan(self, workers: int = 1) -> PoolPlan:
        """The pool and thread-pool sizes of each of `workers` processes (PoolSizingError when they cannot fit)."""
        return plan_pools(
            max_connections=self.db_max_connections,
            workers=workers,
            pool_size=self.db_pool_size,
            max_overflow=self.db_max_overflow,
        )

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
    def rate_limit_backend(self) -> Literal["memory", "postgres", "redis"]:
        """RATE_LIMIT_STORE, with `auto` decided: a store every serving process shares as soon as there are two."""
        if self.rate_limit_store != "auto":
            return self.rate_limit_store
        if self.redis_url:
            return "redis"
        return "postgres" if self.workers * self.replicas > 1 else "memory"

    @property
    def db_statement_timeout_per_connection(self) -> float | None:
        """The timeout each connection asks for at start-up; none through a transaction pooler (see README)."""
        return None if self.db_transaction_pooler else self.db_statement_timeout_seconds

    @property
    def migrate_on_start(self) -> bool:
        return self.auto_migrate if self.auto_migrate is not None else self.environment != "production"
