"""Concurrency on a real PostgreSQL: many threads released at once by a barrier, each with its own use-case
instance from a real container, must lose no update, write no duplicate and leave no orphan.

Each test names, above it, the protection it proves and what would make it fail. Outcomes are collected per thread
(a value or the exception raised), so a failure lists every unexpected exception with its type.
"""

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import pytest
from dependency_injector import providers
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from adapters.security import Argon2PasswordHasher
from adapters.sqlalchemy.tables import articles, comments, favorites, follows, users
from application.articles import (
    CreateArticleCommand,
    DeleteArticleCommand,
    FeedArticlesCommand,
    GetArticleCommand,
    UpdateArticleCommand,
)
from application.comments import AddCommentCommand, DeleteCommentCommand, ListCommentsCommand
from application.favorites import FavoriteCommand
from application.profiles import FollowCommand, GetProfileCommand
from application.users import RegisterUserCommand
from application.views import ArticleView, CommentView, ProfileView, UserView
from domain.articles import TIMESTAMP_RESOLUTION
from domain.errors import ArticleNotFound, CommentNotFound, DomainError, EmailTaken, UsernameTaken
from domain.ids import ArticleId, UserId
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from tests.builders import PASSWORD, FixedClock

pytestmark = pytest.mark.integration

T = TypeVar("T")
# What an edit that loses a race may be told. A version column (optimistic locking) would add its conflict error here.
LOST_AN_EDIT_RACE: tuple[type[DomainError], ...] = (ArticleNotFound,)
# Connections the container may open: every race of 20 runs with all its transactions open at once; in the larger
# ones (50 fans, 39 followers, 33 around a delete) the last racers wait a moment for a connection. Not one per thread:
# PostgreSQL's default max_connections is 100, and test runs (each with its own database) may share one server.
POOL_SIZE = 32
JOIN_TIMEOUT_SECONDS = 30.0


# --- harness ---------------------------------------------------------------------------------------------------


@pytest.fixture
def container(mappers: None, clean_database: Engine, migrated_database_url: str) -> Iterator[Container]:
    """The production wiring on the test database, with a pool big enough for every thread and a cheap hasher."""
    settings = Settings(
        _env_file=None,
        database_url=migrated_database_url,
        db_pool_size=POOL_SIZE,
        db_max_overflow=0,
        db_pool_timeout_seconds=JOIN_TIMEOUT_SECONDS,
    )
    container = build_container(settings)
    container.password_hasher.override(providers.Object(Argon2PasswordHasher(memory_kib=1024, time_cost=1)))
    container.init_resources()
    yield container
    container.shutdown_resources()


def race(calls: Sequence[Callable[[], T]], *, spread: float = 0.0) -> list[T | Exception]:
    """Run every call in its own thread, all released together; the value or exception of each, in order.

    `spread` > 0: after the release, each thread first waits a random time up to `spread` seconds, so that the calls
    also land inside each other's transactions rather than only side by side.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: dict[int, T | Exception] = {}
    delays = [random.uniform(0, spread) for _ in calls]  # noqa: S311 - timing jitter, not a secret

    def run(index: int) -> None:
        try:
            barrier.wait(JOIN_TIMEOUT_SECONDS)
            if delays[index]:
                time.sleep(delays[index])
            outcomes[index] = calls[index]()
        except Exception as exc:  # collected and judged by the test
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i,), name=f"racer-{i}") for i in range(len(calls))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "a racer is still running: deadlock or lock wait?"
    assert len(outcomes) == len(calls)
    return [outcomes[i] for i in range(len(calls))]


def unexpected(outcomes: Sequence[object], *allowed: type[DomainError]) -> list[str]:
    """Every exception that is not one of the allowed domain errors (as an HTTP client would get a 5xx for it)."""
    return [
        f"{type(o).__module__}.{type(o).__name__}: {o}"
        for o in outcomes
        if isinstance(o, Exception) and not isinstance(o, allowed)
    ]


@dataclass(frozen=True)
class Account:
    id: UserId
    username: str


def register(container: Container, username: str) -> Account:
    view = container.register_user()(
        RegisterUserCommand(username=username, email=f"{username}@example.com", password=PASSWORD)
    )
    return Account(id=container.tokens().read(view.token).user_id, username=view.username)


def register_many(container: Container, prefix: str, n: int) -> list[Account]:
    return [register(container, f"{prefix}{i}") for i in range(n)]


def write_article(
    container: Container, author: Account, title: str = "Concurrency", *, body: str = "body", tags: Sequence[str] = ()
) -> ArticleView:
    command = CreateArticleCommand(author_id=author.id, title=title, description="races", body=body, tags=tags)
    return container.create_article()(command)


def article_id_of(engine: Engine, slug: str) -> ArticleId:
    with engine.connect() as connection:
        return ArticleId(connection.execute(select(articles.c.id).where(articles.c.slug == slug)).scalar_one())


def count_rows(engine: Engine, query: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


# --- favorites -------------------------------------------------------------------------------------------------

# Protection: favoritesCount is counted from `favorites` rows (no stored counter updated read-modify-write), and
# favorite/unfavorite are single statements on the (user, article) key, so no user's action is lost or undone by
# another's. Fails if the count were a column incremented/decremented from a value read earlier (lost increments: the
# count drifts from the rows), or if a favorite or unfavorite rewrote shared state (e.g. a cached list of fans) and so
# could undo another user's last action.


def test_50_users_favoriting_and_unfavoriting_leave_the_count_equal_to_the_rows_and_to_each_last_action(
    container: Container,
) -> None:
    author = register(container, "author")
    slug = write_article(container, author).slug
    fans = register_many(container, "fan", 50)
    rng = random.Random(6)  # noqa: S311 - a reproducible plan, not a secret
    plans = {fan: [rng.choice(("favorite", "unfavorite")) for _ in range(rng.randint(3, 6))] for fan in fans}

    def actions_of(fan: Account) -> Callable[[], list[tuple[str, ArticleView]]]:
        favorite, unfavorite = container.favorite_article(), container.unfavorite_article()  # this thread's own

        def act() -> list[tuple[str, ArticleView]]:
            command = FavoriteCommand(slug=slug, user_id=fan.id)
            return [(action, (favorite if action == "favorite" else unfavorite)(command)) for action in plans[fan]]

        return act

    outcomes = race([actions_of(fan) for fan in fans])

    assert unexpected(outcomes) == []
    for fan, outcome in zip(fans, outcomes, strict=True):
        assert not isinstance(outcome, Exception)
        for action, view in outcome:  # each answer shows the user's own action, whatever the others do
            assert view.favorited is (action == "favorite"), fan
            assert 0 <= view.favorites_count <= len(fans)
    engine = container.engine()
    rows = count_rows(
        engine, select(func.count()).select_from(favorites).where(favorites.c.article_id == article_id_of(engine, slug))
    )
    model = {fan for fan, plan in plans.items() if plan[-1] == "favorite"}
    assert container.get_article()(GetArticleCommand(slug=slug)).favorites_count == rows == len(model)
    get_article = container.get_article()
    for fan in fans:
        assert get_article(GetArticleCommand(slug=slug, viewer_id=fan.id)).favorited is (fan in model), fan


# Protection: a favorite is one INSERT ... ON CONFLICT DO NOTHING on the (user, article) key, so one user's racing
# favorites (a double click, two tabs) all succeed and leave one row. Fails if favorite were check-then-insert (all but
# one hit pk_favorites: an IntegrityError that is no domain error) or if the key allowed duplicates.


def test_20_concurrent_favorites_of_one_article_by_one_user_are_idempotent(container: Container) -> None:
    author, fan = register(container, "author"), register(container, "fan")
    slug = write_article(container, author).slug
    command = FavoriteCommand(slug=slug, user_id=fan.id)
    for round_ in range(5):
        container.unfavorite_article()(command)

        outcomes: list[ArticleView | Exception] = race(
            [partial(container.favorite_article(), command) for _ in range(20)]
        )

        assert unexpected(outcomes) == [], f"round {round_}"
        assert all(isinstance(o, ArticleView) and o.favorited and o.favorites_count == 1 for o in outcomes)
        assert count_rows(container.engine(), select(func.count()).select_from(favorites)) == 1
        assert container.get_article()(GetArticleCommand(slug=slug)).favorites_count == 1


# --- registrations ---------------------------------------------------------------------------------------------


def reached_the_constraint(outcomes: Sequence[object]) -> bool:
    """Some rejection came from the database's unique constraint at commit, not from the use case's pre-check."""
    return any(isinstance(o, DomainError) and isinstance(o.__cause__, IntegrityError) for o in outcomes)


# Protection: the unique constraints (uq_users_username; the unique index uq_users_email_lower on lower(email)) and
# the unit of work turning their names into UsernameTaken/EmailTaken at commit. The use case's pre-check alone passes
# for every racer that reads before the first commit (STYLE §3 row 12). Fails if uniqueness were only pre-checked
# (several accounts), if emails were unique case-sensitively (several accounts), or if the IntegrityError were not
# mapped (an unexpected exception instead of 409).


def test_20_concurrent_registrations_of_one_username_give_one_account_and_username_taken_for_the_rest(
    container: Container,
) -> None:
    rejected: list[object] = []
    for round_ in range(5):  # a round may not overlap (one racer commits before the others look): several rounds
        username = f"jake{round_}"
        calls = [
            partial(
                container.register_user(),  # each thread its own use case (and so its own unit of work)
                RegisterUserCommand(username=username, email=f"{username}.{i}@example.com", password=PASSWORD),
            )
            for i in range(20)
        ]

        outcomes: list[UserView | Exception] = race(calls)

        assert unexpected(outcomes, UsernameTaken) == []
        assert sum(isinstance(o, UserView) for o in outcomes) == 1
        assert sum(isinstance(o, UsernameTaken) for o in outcomes) == 19
        assert count_rows(container.engine(), select(func.count()).where(users.c.username == username)) == 1
        rejected += outcomes
    assert count_rows(container.engine(), select(func.count()).select_from(users)) == 5
    assert reached_the_constraint(rejected), "no racer ever got past the pre-check: the race did not happen"


def case_variants(text: str, n: int) -> list[str]:
    """The first `n` spellings of `text` with its letters in upper or lower case (variant k: the bits of k)."""
    letters = [pos for pos, ch in enumerate(text) if ch.isalpha()]
    return [
        "".join(ch.upper() if pos in letters and k >> letters.index(pos) & 1 else ch for pos, ch in enumerate(text))
        for k in range(n)
    ]


def test_20_concurrent_registrations_of_one_email_in_different_cases_give_one_account(container: Container) -> None:
    rejected: list[object] = []
    for round_ in range(5):  # several rounds, as above
        address = f"jake.doe{round_}@example.com"
        variants = case_variants(address, 20)
        assert len(set(variants)) == 20
        assert len({v.lower() for v in variants}) == 1
        calls = [
            partial(
                container.register_user(),
                RegisterUserCommand(username=f"jake{round_}.{i}", email=email, password=PASSWORD),
            )
            for i, email in enumerate(variants)
        ]

        outcomes: list[UserView | Exception] = race(calls)

        assert unexpected(outcomes, EmailTaken) == []
        assert sum(isinstance(o, UserView) for o in outcomes) == 1
        assert sum(isinstance(o, EmailTaken) for o in outcomes) == 19
        same_email = select(func.count()).where(func.lower(users.c.email) == address)
        assert count_rows(container.engine(), same_email) == 1
        rejected += outcomes
    assert count_rows(container.engine(), select(func.count()).select_from(users)) == 5
    assert reached_the_constraint(rejected), "no racer ever got past the pre-check: the race did not happen"


# --- articles: creates, edits ----------------------------------------------------------------------------------

# Protection: a slug is the title plus 12 hex digits of the article's own id, made in the domain, so equal titles
# never need a lookup. Fails if slugs were numbered by looking for a free one ("title-2"): racers would pick the same
# slug and all but one hit uq_articles_slug (SlugTaken), or get a duplicate slug if the constraint were missing.


def test_20_concurrent_creates_with_one_title_all_succeed_with_distinct_slugs(container: Container) -> None:
    author = register(container, "author")
    command = CreateArticleCommand(author_id=author.id, title="One Title", description="d", body="b", tags=["same"])
    calls = [partial(container.create_article(), command) for _ in range(20)]

    outcomes: list[ArticleView | Exception] = race(calls)

    assert unexpected(outcomes) == []
    views = [o for o in outcomes if isinstance(o, ArticleView)]
    assert len(views) == 20
    assert len({v.slug for v in views}) == 20
    assert all(v.slug.startswith("one-title-") for v in views)
    with container.engine().connect() as connection:
        stored = sorted(connection.scalars(select(articles.c.slug).where(articles.c.title == "One Title")))
    assert stored == sorted(v.slug for v in views)
    get_article = container.get_article()
    assert all(get_article(GetArticleCommand(slug=v.slug)).title == "One Title" for v in views)


@dataclass(frozen=True)
class Observed:
    title: str
    body: str | None
    tags: tuple[str, ...]
    slug: str
    updated_at: datetime


def observe(view: ArticleView) -> Observed:
    return Observed(title=view.title, body=view.body, tags=view.tags, slug=view.slug, updated_at=view.updated_at)


def edit_number(state: Observed) -> int:
    """Which edit (or 0, the original) the state belongs to; fails when its fields come from different edits."""
    number = int(state.title.removeprefix("v"))
    assert (state.title, state.body, state.tags) == (f"v{number}", f"body v{number}", (f"t{number}",)), state
    assert state.slug.startswith(f"v{number}-"), state
    return number


def race_edits(container: Container, editors: int) -> tuple[list[ArticleView | Exception], list[Observed]]:
    """`editors` concurrent edits of one article, edit k setting title `vk`, body `body vk` and tags [`tk`] (the
    original is edit 0), while a reader polls the article by id. The outcomes, and every state the reader saw, the
    last one read after all edits ended."""
    author = register(container, "author")
    slug = write_article(container, author, title="v0", body="body v0", tags=["t0"]).slug
    article_id = article_id_of(container.engine(), slug)
    done = threading.Event()
    seen: list[Observed] = []
    queries = container.article_queries()

    def poll() -> None:
        while not done.is_set():
            if (view := queries.find(article_id, viewer_id=None)) is not None:
                seen.append(observe(view))

    def edit(k: int) -> Callable[[], ArticleView]:
        update = container.update_article()  # this thread's own
        command = UpdateArticleCommand(slug=slug, editor_id=author.id, title=f"v{k}", body=f"body v{k}", tags=[f"t{k}"])
        return partial(update, command)

    poller = threading.Thread(target=poll, name="poller")
    poller.start()
    try:
        outcomes: list[ArticleView | Exception] = race([edit(k) for k in range(1, editors + 1)])
    finally:
        done.set()
        poller.join(JOIN_TIMEOUT_SECONDS)
    final = queries.find(article_id, viewer_id=None)
    assert final is not None
    seen.append(observe(final))
    return outcomes, seen


# Protection: an edit is one UPDATE of the article row in one transaction, and title, slug, body and tags are columns
# of that row (tags an array column), so a row lock makes each UPDATE land whole. Fails if an article were saved in
# pieces (e.g. tags in a side table rewritten with DELETE + INSERT: two racing edits leave the union of their tags),
# or in several transactions. Racers that load after the first commit find the slug moved: ArticleNotFound is fine.


def test_10_concurrent_edits_of_one_article_never_leave_a_mixed_state(container: Container) -> None:
    outcomes, seen = race_edits(container, editors=10)

    assert unexpected(outcomes, *LOST_AN_EDIT_RACE) == []
    succeeded = {edit_number(observe(o)) for o in outcomes if isinstance(o, ArticleView)}
    assert succeeded, "no edit succeeded: the race did not happen"
    for state in seen:
        edit_number(state)  # every state anybody could read is one edit's, whole
    assert edit_number(seen[-1]) in succeeded  # the state that stays is one a caller was told succeeded


# Protection (README: "an update always moves updatedAt forward, even within the same millisecond"): an edit reads
# the row, then writes updatedAt = max(now, the updatedAt it read + 1 ms). That read-modify-write is only safe when no
# other edit commits between the read and the write: a row lock taken by the read (SELECT ... FOR NO KEY UPDATE), or
# a version column (UPDATE ... WHERE version = :read, 0 rows after a concurrent commit). With the clock frozen, n
# acknowledged edits applied one after the other leave updatedAt n ms after createdAt. Fails today: the editors all
# read the same row, each writes createdAt + 1 ms, and all but the last are lost updates although each was
# acknowledged. The titles differ only in punctuation, so the slug stays put and no racer misses the article.


def test_10_concurrent_edits_each_move_updated_at_forward(container: Container) -> None:
    container.clock.override(providers.Object(FixedClock()))  # ten edits "within the same millisecond"
    author = register(container, "author")
    created = write_article(container, author, title="Same title", body="body 0", tags=["t0"])
    calls = [
        partial(
            container.update_article(),
            UpdateArticleCommand(
                slug=created.slug, editor_id=author.id, title="Same title" + "!" * k, body=f"body {k}", tags=[f"t{k}"]
            ),
        )
        for k in range(1, 11)
    ]

    outcomes: list[ArticleView | Exception] = race(calls)

    assert unexpected(outcomes, *LOST_AN_EDIT_RACE) == []
    acknowledged = sum(isinstance(o, ArticleView) for o in outcomes)
    final = container.get_article()(GetArticleCommand(slug=created.slug))
    k = final.title.count("!")
    assert (final.title, final.body, final.tags) == ("Same title" + "!" * k, f"body {k}", (f"t{k}",))
    moved = final.updated_at - created.updated_at
    assert moved >= acknowledged * TIMESTAMP_RESOLUTION, f"{acknowledged} acknowledged edits moved updatedAt {moved}"


# --- follows ---------------------------------------------------------------------------------------------------

# Protection: a follow is one INSERT ... ON CONFLICT DO NOTHING on the (follower, followee) key. Fails if follow were
# check-then-insert (racers all see "not following", all insert, all but one hit pk_follows: an IntegrityError that
# is no domain error) or if the key allowed duplicates (several rows). Several rounds, as a round may not overlap.


def test_20_concurrent_follows_of_one_user_by_one_follower_are_idempotent(container: Container) -> None:
    follower, followee = register(container, "follower"), register(container, "followee")
    command = FollowCommand(follower_id=follower.id, username=followee.username)
    for round_ in range(5):
        container.unfollow_user()(command)

        outcomes: list[ProfileView | Exception] = race([partial(container.follow_user(), command) for _ in range(20)])

        assert unexpected(outcomes) == [], f"round {round_}"
        assert all(isinstance(o, ProfileView) and o.following for o in outcomes)
        assert count_rows(container.engine(), select(func.count()).select_from(follows)) == 1
        profile = container.get_profile()(GetProfileCommand(username=followee.username, viewer_id=follower.id))
        assert profile.following


# Protection: follow and unfollow are single statements on one key, and the profile flag and the feed are both read
# from `follows`. Fails if either is a read-modify-write of some derived state (e.g. a cached followers list or
# count), which would lose some racers' last action, or if a racer's unfollow could be undone by a stale write.


def test_concurrent_follow_and_unfollow_interleavings_end_as_each_followers_last_action(container: Container) -> None:
    star = register(container, "star")
    write_article(container, star, title="For the feed")
    fans = register_many(container, "fan", 30)
    rng = random.Random(7)  # noqa: S311 - a reproducible plan, not a secret
    plans = {fan: [rng.choice(("follow", "unfollow")) for _ in range(rng.randint(3, 6))] for fan in fans}

    def actions_of(fan: Account) -> Callable[[], list[ProfileView]]:
        follow, unfollow = container.follow_user(), container.unfollow_user()

        def act() -> list[ProfileView]:
            command = FollowCommand(follower_id=fan.id, username=star.username)
            return [(follow if action == "follow" else unfollow)(command) for action in plans[fan]]

        return act

    # ... and 10 more threads fighting over one pair: whatever wins, the row, the flag and the feed must agree.
    contested = fans[0]
    contest = [container.follow_user() if i % 2 else container.unfollow_user() for i in range(10)]
    contested_calls = [
        partial(use_case, FollowCommand(follower_id=contested.id, username=star.username)) for use_case in contest
    ]
    calls: list[Callable[[], object]] = [*(actions_of(fan) for fan in fans[1:]), *contested_calls]

    outcomes = race(calls)

    assert unexpected(outcomes) == []
    with container.engine().connect() as connection:
        followers = set(connection.scalars(select(follows.c.follower_id).where(follows.c.followee_id == star.id)))
    model = {fan.id for fan in fans[1:] if plans[fan][-1] == "follow"}
    assert followers - {contested.id} == model
    get_profile, feed = container.get_profile(), container.feed_articles()
    for fan in fans:
        following = fan.id in followers
        assert get_profile(GetProfileCommand(username=star.username, viewer_id=fan.id)).following is following
        assert feed(FeedArticlesCommand(viewer_id=fan.id)).count == (1 if following else 0)


# --- comments ------------------------------------------------------------------------------------------------

# Protection: comment ids come from an identity column (a sequence), assigned by the INSERT. Fails if ids were
# allocated as max(id) + 1 in the application (racers pick the same id: a primary-key error, or a comment lost).


def test_20_concurrent_comments_on_one_article_all_get_distinct_ids(container: Container) -> None:
    author = register(container, "author")
    slug = write_article(container, author).slug
    commenters = register_many(container, "commenter", 20)
    calls = [
        partial(container.add_comment(), AddCommentCommand(slug=slug, author_id=c.id, body=f"said by {c.username}"))
        for c in commenters
    ]

    outcomes: list[CommentView | Exception] = race(calls)

    assert unexpected(outcomes) == []
    views = [o for o in outcomes if isinstance(o, CommentView)]
    assert len({v.id for v in views}) == 20
    listed = container.list_comments()(ListCommentsCommand(slug=slug))
    assert sorted(c.id for c in listed) == sorted(v.id for v in views)
    assert {c.body for c in listed} == {f"said by {c.username}" for c in commenters}


# --- deletes racing other writes -------------------------------------------------------------------------------


def orphans(engine: Engine) -> tuple[int, int]:
    """Favorites and comments whose article is gone."""
    no_article = ~select(articles.c.id).where(articles.c.id == favorites.c.article_id).exists()
    no_article_c = ~select(articles.c.id).where(articles.c.id == comments.c.article_id).exists()
    return (
        count_rows(engine, select(func.count()).select_from(favorites).where(no_article)),
        count_rows(engine, select(func.count()).select_from(comments).where(no_article_c)),
    )


# Protection: favorites and comments reference their article with ON DELETE CASCADE foreign keys, and the unit of
# work maps fk_favorites_article_id_articles / fk_comments_article_id_articles to ArticleNotFound; the answer read
# after commit raises ArticleNotFound when the article is gone. Fails if the foreign keys or the cascade were missing
# (orphan rows), or if a racer that finds the article gone got anything but ArticleNotFound (an IntegrityError, a
# StaleDataError, a None where a view is due).


def test_deleting_an_article_while_others_favorite_and_comment_leaves_no_orphans_and_only_article_not_found(
    container: Container,
) -> None:
    author = register(container, "author")
    users_ = register_many(container, "reader", 20)
    engine = container.engine()
    outcomes_by_kind: Counter[str] = Counter()
    for round_ in range(12):  # several rounds, so the delete lands at different points among the others
        slug = write_article(container, author, title=f"Doomed {round_}").slug
        calls: list[Callable[[], object]] = [
            partial(container.delete_article(), DeleteArticleCommand(slug=slug, user_id=author.id))
        ]
        for u in users_[:16]:
            calls.append(partial(container.favorite_article(), FavoriteCommand(slug=slug, user_id=u.id)))
            calls.append(partial(container.add_comment(), AddCommentCommand(slug=slug, author_id=u.id, body="1st!")))
        random.Random(round_).shuffle(calls)  # noqa: S311 - a reproducible order, not a secret

        outcomes = race(calls, spread=0.01)

        assert unexpected(outcomes, ArticleNotFound) == [], f"round {round_}"
        assert count_rows(engine, select(func.count()).select_from(articles).where(articles.c.slug == slug)) == 0
        assert orphans(engine) == (0, 0), f"round {round_}"
        assert count_rows(engine, select(func.count()).select_from(favorites)) == 0
        assert count_rows(engine, select(func.count()).select_from(comments)) == 0
        outcomes_by_kind.update(type(o).__name__ for o in outcomes)
    # The delete landed among the others: some got in before it (and went with the article), some came after it.
    assert outcomes_by_kind["ArticleNotFound"] > 0, outcomes_by_kind
    assert outcomes_by_kind["ArticleView"] > 0, outcomes_by_kind
    assert outcomes_by_kind["CommentView"] > 0, outcomes_by_kind


# Protection: an edit that loses the race against a delete of the same article is told ArticleNotFound (404), as it
# would be had it come a moment later, and the article stays deleted. Fails today: UpdateArticle loads the row
# without a lock; when the delete commits first, the ORM's UPDATE matches 0 rows and SQLAlchemy raises StaleDataError,
# which is no domain error (a 500). A row lock on load (SELECT ... FOR NO KEY UPDATE) makes the edit wait for the
# delete and then find nothing.


def test_edits_racing_a_delete_of_the_same_article_get_article_not_found(container: Container) -> None:
    author = register(container, "author")
    engine = container.engine()
    failures: list[str] = []
    for round_ in range(6):
        slug = write_article(container, author, title=f"Contested {round_}").slug
        calls: list[Callable[[], object]] = [
            partial(container.update_article(), UpdateArticleCommand(slug=slug, editor_id=author.id, body=f"b{i}"))
            for i in range(7)
        ]
        calls.insert(round_, partial(container.delete_article(), DeleteArticleCommand(slug=slug, user_id=author.id)))

        outcomes = race(calls)

        failures += unexpected(outcomes, *LOST_AN_EDIT_RACE)
        assert outcomes[round_] is None, "the delete itself must succeed"
        assert count_rows(engine, select(func.count()).select_from(articles).where(articles.c.slug == slug)) == 0
    assert Counter(failures) == {}  # each distinct unexpected exception, with how often it came


# Protection: of several concurrent deletes of one article exactly one deletes it; the others are told
# ArticleNotFound (404), as a delete a moment later is. Fails today: every racer loads the row unlocked and sends an
# ORM DELETE; the losers' DELETE matches 0 rows, which SQLAlchemy only warns about (SAWarning, an error under this
# suite's filterwarnings; in production a warning on stderr and a 204 for a delete that deleted nothing).


def test_concurrent_deletes_of_one_article_delete_it_once_and_tell_the_others_article_not_found(
    container: Container,
) -> None:
    author = register(container, "author")
    failures: list[str] = []
    for round_ in range(4):
        slug = write_article(container, author, title=f"Deleted {round_}").slug
        command = DeleteArticleCommand(slug=slug, user_id=author.id)

        outcomes = race([partial(container.delete_article(), command) for _ in range(6)])

        failures += unexpected(outcomes, ArticleNotFound)
        if not failures:
            assert sum(o is None for o in outcomes) == 1, outcomes
    assert Counter(failures) == {}  # each distinct unexpected exception, with how often it came


# Protection: deleting a comment whose article is being deleted ends with both gone and the comment's deleter told
# CommentNotFound or ArticleNotFound. Fails today in the same way as above: the ORM DELETE of a comment the cascade
# already removed matches 0 rows (SAWarning, an error here; a 204 for a comment that someone else's delete removed).


def test_deleting_comments_while_their_article_is_deleted_leaves_nothing_and_only_not_found(
    container: Container,
) -> None:
    author = register(container, "author")
    engine = container.engine()
    failures: list[str] = []
    for round_ in range(6):
        slug = write_article(container, author, title=f"Thread {round_}").slug
        add = container.add_comment()
        ids = [add(AddCommentCommand(slug=slug, author_id=author.id, body=f"c{i}")).id for i in range(8)]
        calls: list[Callable[[], object]] = [
            partial(container.delete_article(), DeleteArticleCommand(slug=slug, user_id=author.id))
        ]
        for comment_id in ids:
            command = DeleteCommentCommand(slug=slug, comment_id=comment_id, user_id=author.id)
            calls.append(partial(container.delete_comment(), command))

        outcomes = race(calls)

        failures += unexpected(outcomes, ArticleNotFound, CommentNotFound)
        assert orphans(engine) == (0, 0)
        assert count_rows(engine, select(func.count()).select_from(comments)) == 0
    assert Counter(failures) == {}  # each distinct unexpected exception, with how often it came
