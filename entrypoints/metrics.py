"""Prometheus metrics of one worker process; `render()` adds up every worker's in multiprocess mode.

Multiprocess mode (several uvicorn workers): PROMETHEUS_MULTIPROC_DIR names a directory where each process keeps its
values in files (`conduit serve` makes one). prometheus_client chooses where values live when it is first imported, so
the variable must be set before that.
"""

import os
from collections.abc import Callable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from adapters.sqlalchemy.health import DatabaseProbe, PoolStats
from adapters.sqlalchemy.routing import ReplicaStatus

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REQUEST_LABELS = ("method", "route", "status")

disable_created_metrics()  # type: ignore[no-untyped-call]  # `_created` series: twice the output, of no use here


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def method_label(method: str) -> str:
    """Any other method is one label: a client must not be able to mint label values (series) at will."""
    return method if method in KNOWN_METHODS else "OTHER"


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None


class Metrics:
    """Each app (and so each container) has its own registry: two apps in one process never share counts."""

    def __init__(self, pool_stats: Callable[[], PoolStats | None] = lambda: None) -> None:
        self._pool_stats = pool_stats
        self._pool_written: PoolStats | None = None
        self._series: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}
        self.registry = CollectorRegistry()
        registry = self.registry
        self.requests = Counter("conduit_http_requests", "HTTP requests answered.", REQUEST_LABELS, registry=registry)
        self.request_duration = Histogram(
            "conduit_http_request_duration_seconds",
            "Time from receiving a request to the end of its response.",
            REQUEST_LABELS,
            registry=registry,
        )
        # livesum: the figure of the service is the sum over the workers that are alive.
        self.in_flight = Gauge(
            "conduit_http_requests_in_flight",
            "HTTP requests being answered.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.pool_size = Gauge(
            "conduit_db_pool_size",
            "Database connections the pools keep open.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.pool_checked_out = Gauge(
            "conduit_db_pool_checked_out",
            "Database connections in use by requests.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.pool_overflow = Gauge(
            "conduit_db_pool_overflow",
            "Database connections open beyond the pool size.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        # Each worker measures the replicas; the most recent measurement of a live worker is the figure.
        self.replica_up = Gauge(
            "conduit_db_replica_up",
            "1 while the read replica answers, else 0.",
            ("replica",),
            registry=registry,
            multiprocess_mode="livemostrecent",
        )
        self.replica_lag = Gauge(
            "conduit_db_replica_lag_seconds",
            "How far the read replica is behind the primary (0 when it has replayed all it received).",
            ("replica",),
            registry=registry,
            multiprocess_mode="livemostrecent",
        )
        self.domain_errors = Counter(
            "conduit_domain_errors",
            "Use-case errors answered, by kind (the domain error's class).",
            ("kind",),
            registry=registry,
        )
        self.rate_limit_unchecked = Counter(
            "conduit_rate_limit_unchecked",
            "Login and registration requests let through without a rate-limit check: the store did not answer.",
            registry=registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method_label(method), route, status_class(status))
        # The labelled children, looked up once per series rather than through `labels()` (a lock and a dict
        # lookup each) on every request. Routes are templates and methods a closed set: the series are few.
        if (series := self._series.get(labels)) is None:
            series = self._series[labels] = (self.requests.labels(*labels), self.request_duration.labels(*labels))
        series[0].inc()
        series[1].observe(seconds)
        # Here rather than at scrape time only: a scrape reaches one worker, the others must be current already.
        self.refresh_pool()

    def observe_replica(self, status: ReplicaStatus) -> None:
        self.replica_up.labels(status.name).set(1 if status.up else 0)
        if status.lag_seconds is not None:
            self.replica_lag.labels(status.name).set(status.lag_seconds)

    def count_domain_error(self, error: Exception) -> None:
        self.domain_errors.labels(type(error).__name__).inc()

    def count_rate_limit_unchecked(self) -> None:
        self.rate_limit_unchecked.inc()

    def refresh_pool(self) -> None:
        # Written only when they changed: in multiprocess mode each write goes through a lock into a shared file.
        if (stats := self._pool_stats()) is not None and stats != self._pool_written:
            self.pool_size.set(stats.size)
            self.pool_checked_out.set(stats.checked_out)
            self.pool_overflow.set(stats.overflow)
            self._pool_written = stats

    def render(self) -> bytes:
        """The exposition text: this process's registry, or every worker's files in multiprocess mode."""
        self.refresh_pool()
        if (directory := multiprocess_dir()) is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        return generate_latest(registry)

    def close(self) -> None:
        """The process is ending: its live gauges (in-flight, pool) stop counting; its counters remain."""
        if multiprocess_dir() is not None:
            mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def process_metrics(probe: DatabaseProbe) -> Iterator[Metrics]:
    """The container's resource: made at start-up, closed at shutdown."""
    metrics = Metrics(pool_stats=probe.pool_stats)
    metrics.refresh_pool()  # each worker counts its pool from the start, busy or not
    yield metrics
    metrics.close()
