import dataclasses
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from dependency_injector import providers

from adapters.memory.demo_data import InMemoryDemoDataWriter
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.security import Argon2PasswordHasher, JwtTokenService
from application.seeding import DEMO_PASSWORD, SCALES, SPAN, SeedCommand, SeedDemoData, SeedReport, sized
from application.users import ListUsersCommand, Login, LoginCommand
from domain.articles import TAGS_PER_ARTICLE_MAX, Article, normalize_tags, slugify
from domain.comments import Comment
from domain.errors import InvalidInput
from domain.users import validate_registration
from entrypoints.container import build_container, use_memory_adapters
from entrypoints.settings import Settings
from tests.builders import NOW, FixedClock, a_user, committed

TINY = SeedCommand(
    users=12, articles=40, comments=90, favorites=120, follows=30, tags=9, tags_per_article=3, seed=7, batch_size=7
)
MODEST = SeedCommand(
    users=30, articles=300, comments=700, favorites=900, follows=200, tags=25, tags_per_article=4, seed=1
)


class CountingHasher:
    """Hashes cheaply and counts how often it is asked to."""

    def __init__(self, hasher: Argon2PasswordHasher) -> None:
        self.hashed, self._hasher = 0, hasher

    def hash(self, password: str) -> str:
        self.hashed += 1
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        return self._hasher.verify(password_hash, password)

    def burn_time(self, password: str) -> None:
        self._hasher.burn_time(password)


class RecordingProgress:
    def __init__(self) -> None:
        self.stages: list[tuple[str, int]] = []
        self.done: Counter[str] = Counter()

    def begin(self, stages: Sequence[tuple[str, int]]) -> None:
        self.stages = list(stages)

    def advance(self, stage: str, amount: int) -> None:
        self.done[stage] += amount


@pytest.fixture
def counting_hasher(hasher: Argon2PasswordHasher) -> CountingHasher:
    return CountingHasher(hasher)


@pytest.fixture
def progress() -> RecordingProgress:
    return RecordingProgress()


@pytest.fixture
def seed(store: InMemoryStore, counting_hasher: CountingHasher, progress: RecordingProgress) -> SeedDemoData:
    return SeedDemoData(InMemoryDemoDataWriter(store), counting_hasher, FixedClock(), progress)


def everything_in(store: InMemoryStore) -> tuple[object, ...]:
    """The store's content, comparable across runs (entities compare by id only)."""
    return (
        sorted((u.id, u.username, u.email, u.bio, u.created_at) for u in store.users.values()),
        sorted(store.follows.items()),
        sorted(
            (a.id, a.slug, a.title, a.description, a.body, tuple(a.tags), a.created_at, a.updated_at)
            for a in store.articles.values()
        ),
        sorted((c.article_id, c.author_id, c.body, c.created_at) for c in store.comments.values()),
        sorted(store.favorites.items()),
    )


def test_seed_stores_exactly_what_was_asked_and_reports_it(seed: SeedDemoData, store: InMemoryStore) -> None:
    report = seed(TINY)

    assert (report.users, report.follows, report.articles, report.comments, report.favorites, report.tags) == (
        12,
        30,
        40,
        90,
        120,
        9,
    )
    assert (len(store.users), len(store.follows), len(store.articles)) == (12, 30, 40)
    assert (len(store.comments), len(store.favorites)) == (90, 120)
    assert len({tag for article in store.articles.values() for tag in article.tags}) == 9
    assert report.password == DEMO_PASSWORD


def test_every_seeded_entity_obeys_the_domain_rules(seed: SeedDemoData, store: InMemoryStore) -> None:
    seed(MODEST)

    users = store.users
    for user in users.values():
        validate_registration(username=user.username, email=user.email, password=DEMO_PASSWORD)
        assert user.created_at == user.updated_at <= NOW
    assert len({u.username for u in users.values()}) == len({u.email.lower() for u in users.values()}) == 30
    assert len({u.created_at for u in users.values()}) == 30  # distinct: the oldest-first list is stable
    for follower, followee in store.follows:
        assert follower != followee
        assert max(users[follower].created_at, users[followee].created_at) < store.follows[follower, followee] <= NOW
    for article in store.articles.values():
        Article.write(  # raises InvalidInput for a title, description or body the API would refuse
            author_id=article.author_id,
            title=article.title,
            description=article.description,
            body=article.body,
            tags=article.tags,
            now=NOW,
        )
        assert article.slug == slugify(article.title, article.id)
        assert article.tags == normalize_tags(article.tags)
        assert len(article.tags) == 4
        assert users[article.author_id].created_at < article.created_at <= article.updated_at <= NOW
    assert len({a.slug for a in store.articles.values()}) == len({a.created_at for a in store.articles.values()}) == 300
    for comment in store.comments.values():
        Comment.write(article_id=comment.article_id, author_id=comment.author_id, body=comment.body, now=NOW)
        article_created, author_joined = (
            store.articles[comment.article_id].created_at,
            users[comment.author_id].created_at,
        )
        assert max(article_created, author_joined) < comment.created_at == comment.updated_at <= NOW
    for (user_id, article_id), favorited_at in store.favorites.items():
        assert max(users[user_id].created_at, store.articles[article_id].created_at) < favorited_at <= NOW


def test_seeded_comments_on_one_article_have_distinct_times(seed: SeedDemoData, store: InMemoryStore) -> None:
    seed(dataclasses.replace(MODEST, articles=3, comments=600, favorites=90))

    times = Counter((c.article_id, c.created_at) for c in store.comments.values())

    assert times.most_common(1)[0][1] == 1


def test_the_demo_password_is_hashed_once_and_signs_every_seeded_account_in(
    seed: SeedDemoData, store: InMemoryStore, counting_hasher: CountingHasher, tokens: JwtTokenService
) -> None:
    report = seed(TINY)
    login = Login(uow=InMemoryUnitOfWork(store), hasher=counting_hasher, tokens=tokens)
    users = [login(LoginCommand(email=account.email, password=DEMO_PASSWORD)) for account in report.accounts]

    assert counting_hasher.hashed == 1
    assert len({user.password_hash for user in store.users.values()}) == 1
    assert [user.username for user in users] == [account.username for account in report.accounts]
    assert len(report.accounts) == 3


def test_the_accounts_shown_are_the_most_prolific_authors(seed: SeedDemoData, store: InMemoryStore) -> None:
    report = seed(TINY)

    written = Counter(store.users[a.author_id].username for a in store.articles.values())
    ranked = sorted(written.values(), reverse=True)

    assert [written[account.username] for account in report.accounts] == ranked[:3]


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(
    counting_hasher: CountingHasher,
) -> None:
    def seeded(seed: int) -> tuple[object, ...]:
        store = InMemoryStore()
        SeedDemoData(InMemoryDemoDataWriter(store), counting_hasher, FixedClock())(dataclasses.replace(TINY, seed=seed))
        return everything_in(store)

    assert seeded(7) == seeded(7)
    assert seeded(7) != seeded(8)


def test_batch_size_changes_how_rows_are_written_not_which(counting_hasher: CountingHasher) -> None:
    stores = InMemoryStore(), InMemoryStore()

    for store, batch_size in zip(stores, (1, 10_000), strict=True):
        writer = InMemoryDemoDataWriter(store)
        SeedDemoData(writer, counting_hasher, FixedClock())(dataclasses.replace(TINY, batch_size=batch_size))

    assert everything_in(stores[0]) == everything_in(stores[1])


def test_progress_is_reported_stage_by_stage_up_to_each_total(seed: SeedDemoData, progress: RecordingProgress) -> None:
    seed(TINY)

    assert progress.stages == [("users", 12), ("follows", 30), ("articles", 40), ("comments", 90), ("favorites", 120)]
    assert dict(progress.done) == dict(progress.stages)


def test_seed_fills_even_the_densest_sizes(seed: SeedDemoData, store: InMemoryStore) -> None:
    """Every pair of users follows, every user favorites every article, every article has every tag."""
    dense = SeedCommand(users=4, articles=5, comments=3, favorites=20, follows=12, tags=3, tags_per_article=3)

    report = seed(dense)

    assert (report.follows, report.favorites, report.tags) == (12, 20, 3)
    assert all(len(article.tags) == 3 for article in store.articles.values())


def test_seed_can_make_users_alone(seed: SeedDemoData, store: InMemoryStore) -> None:
    report = seed(SeedCommand(users=3, articles=0, comments=0, favorites=0, follows=0, tags=50, tags_per_article=3))

    assert (report.users, report.articles, report.tags) == (3, 0, 0)
    assert len(store.users) == 3


def test_seed_refuses_a_store_that_already_holds_data(seed: SeedDemoData, store: InMemoryStore) -> None:
    committed(store, a_user(username="admin"))

    with pytest.raises(InvalidInput) as refused:
        seed(TINY)

    assert refused.value.errors == {"database": ["already holds data: seed an empty database"]}
    assert [user.username for user in store.users.values()] == ["admin"]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"users": -1}, {"users": ["must be 0 or more"]}),
        ({"articles": 10**9}, {"articles": ["is too large (maximum is 100000000)"]}),
        ({"follows": 133}, {"follows": ["is more than 12 users can make (maximum is 132)"]}),
        ({"favorites": 481}, {"favorites": ["is more than 12 users can give 40 articles (maximum is 480)"]}),
        (
            {"users": 0, "follows": 0, "favorites": 0},
            {"articles": ["needs at least one user to write them"]}
            | {"comments": ["needs at least one user and one article"]},
        ),
        ({"tags_per_article": TAGS_PER_ARTICLE_MAX + 1}, {"tags_per_article": ["is too large (maximum is 20)"]}),
        ({"tags": 2}, {"tags_per_article": ["needs at least 3 tags to draw from (there are 2)"]}),
        ({"password": "short"}, {"password": ["is too short (minimum is 8 characters)"]}),
        ({"batch_size": 0}, {"batch_size": ["must be 1 or more"]}),
    ],
)
def test_seed_refuses_sizes_no_data_set_can_have(
    seed: SeedDemoData, store: InMemoryStore, changes: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        seed(dataclasses.replace(TINY, **changes))

    assert refused.value.errors == errors
    assert not store.users


def test_a_failed_write_stops_the_seed_and_is_raised(store: InMemoryStore, counting_hasher: CountingHasher) -> None:
    class FailingOnComments(InMemoryDemoDataWriter):
        def add_comments(self, comments: Sequence[Comment]) -> None:
            raise InvalidInput({"comments": ["refused"]})

    seed = SeedDemoData(FailingOnComments(store), counting_hasher, FixedClock())

    with pytest.raises(InvalidInput) as refused:
        seed(TINY)

    assert refused.value.errors == {"comments": ["refused"]}
    assert not store.comments
    assert len(store.articles) < TINY.articles  # the writes queued behind the failure were dropped


def test_the_presets_have_the_documented_sizes() -> None:
    small, large = SCALES["small"], SCALES["large"]

    assert (small.users, small.articles, small.comments, small.favorites, small.follows) == (
        100,
        2_000,
        5_000,
        10_000,
        1_000,
    )
    assert (small.tags, small.tags_per_article) == (50, 3)
    assert (large.users, large.articles, large.tags) == (100_000, 1_000_000, 20_000)
    assert SCALES["medium"].articles == 100_000


def test_the_container_seeds_the_in_memory_store_and_lists_the_accounts(hasher: Argon2PasswordHasher) -> None:
    container = build_container(Settings(_env_file=None, database_url=None))
    container.password_hasher.override(providers.Object(hasher))
    store = use_memory_adapters(container)

    report: SeedReport = container.seed_demo_data()(dataclasses.replace(TINY, seed=3))
    page = container.list_users()(ListUsersCommand(limit=100))

    assert report.users == page.count == len(store.users) == 12
    assert [user.created_at for user in page.users] == sorted(user.created_at for user in store.users.values())


def test_the_small_preset_seeds_within_the_rules_in_memory(seed: SeedDemoData, store: InMemoryStore) -> None:
    report = seed(SCALES["small"])

    assert (len(store.users), len(store.articles), len(store.comments)) == (100, 2_000, 5_000)
    assert (len(store.favorites), len(store.follows), report.tags) == (10_000, 1_000, 50)
    assert min(a.created_at for a in store.articles.values()) > NOW - SPAN


def test_sized_puts_the_given_counts_on_the_preset() -> None:
    command = sized("medium", {"articles": 1_234, "users": None}, seed=9, password="pa55word-x")

    assert command == dataclasses.replace(SCALES["medium"], articles=1_234, seed=9, password="pa55word-x")


def test_sized_lowers_the_preset_counts_the_given_ones_make_impossible() -> None:
    command = sized("small", {"users": 3, "tags": 2})

    assert (command.users, command.articles, command.tags) == (3, 2_000, 2)
    assert (command.follows, command.favorites, command.tags_per_article) == (6, 6_000, 2)


def test_sized_keeps_impossible_given_counts_for_the_seed_to_refuse(
    seed: SeedDemoData,
) -> None:
    command = sized("small", {"users": 2, "follows": 3})

    with pytest.raises(InvalidInput) as refused:
        seed(command)

    assert refused.value.errors == {"follows": ["is more than 2 users can make (maximum is 2)"]}


def test_sized_with_no_users_makes_nothing_else() -> None:
    command = sized("small", {"users": 0})

    assert (command.articles, command.comments, command.favorites, command.follows) == (0, 0, 0, 0)
