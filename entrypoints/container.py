"""The composition root: every adapter and use case is wired here, and only here."""

import functools
from collections.abc import Callable, Iterator

from dependency_injector import containers, providers
from sqlalchemy import Engine

from adapters.clock import SystemClock
from adapters.memory.demo_data import InMemoryDemoDataWriter
from adapters.memory.queries import (
    InMemoryArticleQueries,
    InMemoryCommentQueries,
    InMemoryProfileQueries,
    InMemoryTagQueries,
    InMemoryUserQueries,
)
from adapters.memory.rate_limits import InMemoryRateLimitStore
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.redis_rate_limits import RedisRateLimitStore
from adapters.security import Argon2PasswordHasher, JwtTokenService
from adapters.sqlalchemy.database import build_engine, build_session_factory, replica_name
from adapters.sqlalchemy.demo_data import SqlDemoDataWriter
from adapters.sqlalchemy.health import DatabaseProbe
from adapters.sqlalchemy.mappers import start_mappers
from adapters.sqlalchemy.queries import (
    SqlArticleQueries,
    SqlCommentQueries,
    SqlProfileQueries,
    SqlTagQueries,
    SqlUserQueries,
)
from adapters.sqlalchemy.rate_limits import SqlRateLimitStore
from adapters.sqlalchemy.routing import ReadRouting
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.articles import (
    CreateArticle,
    DeleteArticle,
    FeedArticles,
    GetArticle,
    ListArticles,
    UpdateArticle,
)
from application.auth import Authenticate
from application.comments import AddComment, DeleteComment, ListComments
from application.favorites import FavoriteArticle, UnfavoriteArticle
from application.moderation import RemoveArticle
from application.profiles import FollowUser, GetProfile, UnfollowUser
from application.seeding import SeedDemoData
from application.tags import ListTags
from application.users import ListUsers, Login, RegisterUser, UpdateUser
from entrypoints.http.rate_limit import RateLimiter
from entrypoints.metrics import Metrics, process_metrics
from entrypoints.settings import Settings


def _engine_builder(
    *, pool_size: int, max_overflow: int, pool_timeout: float, statement_timeout: float, transaction_pooler: bool
) -> Callable[[str], Engine]:
    """How every engine of the service is built, the primary's and each replica's: one pool plan, the same limits."""
    return functools.partial(
        build_engine,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        statement_timeout=statement_timeout,
        prepared_reads=not transaction_pooler,
    )


def _engine(url: str, build: Callable[[str], Engine]) -> Iterator[Engine]:
    engine = build(url)
    yield engine
    engine.dispose()


def _read_routing(
    *,
    primary: Engine | None,
    replica_urls: list[str],
    build: Callable[[str], Engine],
    recent_write_seconds: float,
    max_lag_seconds: float,
    metrics: Metrics,
) -> Iterator[ReadRouting | None]:
    if primary is None:  # no database (the in-memory adapters)
        yield None
        return
    replicas = [(replica_name(url), build(url)) for url in replica_urls]
    routing = ReadRouting(
        primary,
        replicas,
        recent_write_seconds=recent_write_seconds,
        max_lag_seconds=max_lag_seconds,
        on_status=metrics.observe_replica,
    )
    routing.start()
    yield routing
    routing.stop()
    for _, engine in replicas:
        engine.dispose()


class Container(containers.DeclarativeContainer):
    config = providers.Configuration(strict=True)

    # Resource: created once by init_resources() at start-up, disposed by shutdown_resources().
    engine_builder = providers.Singleton(
        _engine_builder,
        pool_size=config.db_pool_size,
        max_overflow=config.db_max_overflow,
        pool_timeout=config.db_pool_timeout,
        statement_timeout=config.db_statement_timeout,
        transaction_pooler=config.db_transaction_pooler,
    )
    engine = providers.Resource(_engine, config.database_url, engine_builder)
    session_factory = providers.ThreadSafeSingleton(build_session_factory, engine)

    # Per call, never shared: a unit of work holds one session.
    uow = providers.Factory(SqlAlchemyUnitOfWork, session_factory=session_factory)
    database_probe = providers.Factory(DatabaseProbe, engine=engine)
    metrics = providers.Resource(process_metrics, database_probe)
    read_routing = providers.Resource(
        _read_routing,
        primary=engine,
        replica_urls=config.database_read_urls,
        build=engine_builder,
        recent_write_seconds=config.read_your_writes_seconds,
        max_lag_seconds=config.replica_max_lag_seconds,
        metrics=metrics,
    )
    # Read ports: one statement each, in autocommit, on a read replica when there is a usable one (routing.py).
    profile_queries = providers.Factory(SqlProfileQueries, reads=read_routing)
    article_queries = providers.Factory(SqlArticleQueries, reads=read_routing)
    comment_queries = providers.Factory(SqlCommentQueries, reads=read_routing)
    tag_queries = providers.Factory(SqlTagQueries, reads=read_routing)
    user_queries = providers.Factory(SqlUserQueries, reads=read_routing)
    demo_data_writer = providers.Factory(SqlDemoDataWriter, engine=engine)

    password_hasher = providers.ThreadSafeSingleton(Argon2PasswordHasher)
    tokens = providers.ThreadSafeSingleton(JwtTokenService, secret=config.jwt_secret, lifetime=config.jwt_lifetime)
    clock = providers.ThreadSafeSingleton(SystemClock)

    register_user = providers.Factory(RegisterUser, uow=uow, hasher=password_hasher, tokens=tokens, clock=clock)
    login = providers.Factory(Login, uow=uow, hasher=password_hasher, tokens=tokens)
    update_user = providers.Factory(UpdateUser, uow=uow, hasher=password_hasher, tokens=tokens, clock=clock)
    get_profile = providers.Factory(GetProfile, profiles=profile_queries)
    follow_user = providers.Factory(FollowUser, uow=uow, clock=clock)
    unfollow_user = providers.Factory(UnfollowUser, uow=uow)

    create_article = providers.Factory(CreateArticle, uow=uow, clock=clock)
    get_article = providers.Factory(GetArticle, articles=article_queries)
    update_article = providers.Factory(UpdateArticle, uow=uow, articles=article_queries, clock=clock)
    delete_article = providers.Factory(DeleteArticle, uow=uow)
    list_articles = providers.Factory(ListArticles, articles=article_queries)
    feed_articles = providers.Factory(FeedArticles, articles=article_queries)
    favorite_article = providers.Factory(FavoriteArticle, uow=uow, articles=article_queries, clock=clock)
    unfavorite_article = providers.Factory(UnfavoriteArticle, uow=uow, articles=article_queries)
    add_comment = providers.Factory(AddComment, uow=uow, clock=clock)
    list_comments = providers.Factory(ListComments, comments=comment_queries)
    delete_comment = providers.Factory(DeleteComment, uow=uow)
    list_tags = providers.Factory(ListTags, tags=tag_queries)

    # scripting: what the command line offers operators beyond the API
    list_users = providers.Factory(ListUsers, users=user_queries)
    authenticate = providers.Factory(Authenticate, tokens=tokens, users=user_queries)
    remove_article = providers.Factory(RemoveArticle, uow=uow)
    # Call with progress=... to watch it (the CLI draws a progress bar).
    seed_demo_data = providers.Factory(SeedDemoData, writer=demo_data_writer, hasher=password_hasher, clock=clock)

    # operations (database_probe and metrics are above: the read routing reports to them)
    # Login and registration attempts per client address, counted where RATE_LIMIT_STORE says (settings.py): in this
    # process, or in a store every worker and replica shares. A store outage lets requests through, counted.
    rate_limit_store = providers.Selector(
        config.rate_limit_store,
        memory=providers.ThreadSafeSingleton(InMemoryRateLimitStore),
        postgres=providers.ThreadSafeSingleton(SqlRateLimitStore, engine),
        redis=providers.ThreadSafeSingleton(RedisRateLimitStore.from_url, config.redis_url),
    )
    rate_limiter = providers.ThreadSafeSingleton(
        RateLimiter,
        store=rate_limit_store,
        policy=config.rate_limits,
        on_unchecked=metrics.provided.count_rate_limit_unchecked,
    )


def build_container(settings: Settings) -> Container:
    """The production wiring: PostgreSQL at `settings.database_url`."""
    container = Container()
    pool = settings.pool_plan()  # this process's share; `conduit serve` exports each worker's as DB_POOL_SIZE
    container.config.from_dict(
        {
            "database_url": settings.database_url,
            "db_pool_size": pool.pool_size,
            "db_max_overflow": pool.max_overflow,
            "db_pool_timeout": settings.db_pool_timeout_seconds,
            "db_statement_timeout": settings.db_statement_timeout_per_connection,
            "db_transaction_pooler": settings.db_transaction_pooler,
            "database_read_urls": settings.database_read_url,
            "read_your_writes_seconds": settings.read_your_writes_seconds,
            "replica_max_lag_seconds": settings.replica_max_lag_seconds,
            "jwt_secret": settings.jwt_secret.get_secret_value(),
            "jwt_lifetime": settings.jwt_lifetime,
            "rate_limits": settings.rate_limits,
            "rate_limit_store": settings.rate_limit_backend,
            "redis_url": settings.redis_url,
        }
    )
    if settings.database_url is not None:
        start_mappers()
    return container


def use_memory_adapters(container: Container, store: InMemoryStore | None = None) -> InMemoryStore:
    """Swap every persistence adapter for the in-memory one (tests, demos). Returns the store they share."""
    store = store if store is not None else InMemoryStore()
    container.engine.override(providers.Object(None))
    container.uow.override(providers.Factory(InMemoryUnitOfWork, store=store))
    container.profile_queries.override(providers.Factory(InMemoryProfileQueries, store=store))
    container.article_queries.override(providers.Factory(InMemoryArticleQueries, store=store))
    container.comment_queries.override(providers.Factory(InMemoryCommentQueries, store=store))
    container.tag_queries.override(providers.Factory(InMemoryTagQueries, store=store))
    container.user_queries.override(providers.Factory(InMemoryUserQueries, store=store))
    container.demo_data_writer.override(providers.Factory(InMemoryDemoDataWriter, store=store))
    if container.config.rate_limit_store() == "postgres":  # there is no database to keep the counters in
        container.rate_limit_store.override(providers.ThreadSafeSingleton(InMemoryRateLimitStore))
    return store
