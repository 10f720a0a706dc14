"""Demo data: fill an empty store with realistic users, follows, articles, comments and favorites, at any scale.

Entities are built as the domain builds them (slugs by `slugify`, tags by `normalize_tags`, follows refusing
self-follows), with ids and text drawn from one seeded `random.Random`: the same seed on an empty store gives the
same data, only placed relative to the clock's `now`. Rows go to a `DemoDataWriter` in batches.
"""

import dataclasses
import heapq
import itertools
import random
import uuid
from array import array
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final, Generic, TypeVar

from application.demo_text import TextMaker, email_for, tag_names, usernames
from application.ports import Clock, DemoDataWriter, PasswordHasher, ProgressReporter
from domain.articles import TAGS_PER_ARTICLE_MAX, Article, normalize_tags, slugify
from domain.comments import Comment
from domain.errors import InvalidInput
from domain.favorites import Favorite
from domain.follows import Follow
from domain.ids import ArticleId, UserId
from domain.users import User, password_error, raise_if_invalid

DEMO_PASSWORD: Final = "conduit-demo"  # noqa: S105 - documented: every seeded account signs in with it
COUNT_MAX: Final = 100_000_000
SPAN: Final = timedelta(days=3 * 365)  # how far back the demo data goes
RECENT: Final = timedelta(hours=1)  # the newest article is this old: comments and favorites still fit after it
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MS: Final = timedelta(milliseconds=1)
T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class SeedCommand:
    users: int
    articles: int
    comments: int
    favorites: int
    follows: int
    tags: int  # distinct tag names to draw from
    tags_per_article: int
    seed: int = 0
    password: str = DEMO_PASSWORD
    batch_size: int = 5_000  # rows per transaction


SCALES: Final[Mapping[str, SeedCommand]] = MappingProxyType(
    {
        "small": SeedCommand(
            users=100, articles=2_000, comments=5_000, favorites=10_000, follows=1_000, tags=50, tags_per_article=3
        ),
        "medium": SeedCommand(
            users=10_000,
            articles=100_000,
            comments=250_000,
            favorites=500_000,
            follows=100_000,
            tags=1_000,
            tags_per_article=3,
        ),
        "large": SeedCommand(
            users=100_000,
            articles=1_000_000,
            comments=2_500_000,
            favorites=5_000_000,
            follows=1_000_000,
            tags=20_000,
            tags_per_article=3,
        ),
    }
)


def sized(scale: str, counts: Mapping[str, int | None], *, seed: int = 0, password: str = DEMO_PASSWORD) -> SeedCommand:
    """A preset (`small`, `medium`, `large`) with the counts given on top (None: keep the preset's).

    Preset counts that the given ones make impossible are lowered to fit (`--users 3` alone still works, with
    at most 6 follows); given counts are kept as they are, for `check_seed_command` to judge.
    """
    given: dict[str, Any] = {name: value for name, value in counts.items() if value is not None}
    command = dataclasses.replace(SCALES[scale], seed=seed, password=password, **given)
    users = command.users
    articles = command.articles if users or "articles" in given else 0
    fitted: dict[str, Any] = {
        "articles": articles,
        "comments": command.comments if users and articles else 0,
        "favorites": min(command.favorites, users * articles),
        "follows": min(command.follows, max(users * (users - 1), 0)),
        "tags_per_article": min(command.tags_per_article, command.tags),
    }
    return dataclasses.replace(command, **{name: value for name, value in fitted.items() if name not in given})


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoAccount:
    username: str
    email: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedReport:
    """What was stored. `tags` counts the distinct tags in use, as GET /api/tags lists them."""

    users: int
    follows: int
    articles: int
    comments: int
    favorites: int
    tags: int
    password: str
    accounts: tuple[DemoAccount, ...]  # a few to sign in with: the most prolific authors


def check_seed_command(cmd: SeedCommand) -> None:
    """Refuse what no data set can satisfy (e.g. more follows than pairs of users), every problem at once."""
    counts = {
        "users": cmd.users,
        "articles": cmd.articles,
        "comments": cmd.comments,
        "favorites": cmd.favorites,
        "follows": cmd.follows,
        "tags": cmd.tags,
        "tags_per_article": cmd.tags_per_article,
    }
    errors = {name: [_count_error(value)] for name, value in counts.items() if _count_error(value)}
    if errors:
        raise InvalidInput(errors)
    problems = {**_size_errors(cmd), "password": password_error(cmd.password)}
    if cmd.batch_size < 1:
        problems["batch_size"] = "must be 1 or more"
    raise_if_invalid(problems)


def _count_error(value: int) -> str:
    if value < 0:
        return "must be 0 or more"
    return f"is too large (maximum is {COUNT_MAX})" if value > COUNT_MAX else ""


def _size_errors(cmd: SeedCommand) -> dict[str, str | None]:
    users, articles, pairs = cmd.users, cmd.articles, max(cmd.users * (cmd.users - 1), 0)
    errors: dict[str, str | None] = {}
    if articles and not users:
        errors["articles"] = "needs at least one user to write them"
    if cmd.comments and not (articles and users):
        errors["comments"] = "needs at least one user and one article"
    if cmd.favorites > users * articles:
        errors["favorites"] = f"is more than {users} users can give {articles} articles (maximum is {users * articles})"
    if cmd.follows > pairs:
        errors["follows"] = f"is more than {users} users can make (maximum is {pairs})"
    if cmd.tags_per_article > TAGS_PER_ARTICLE_MAX:
        errors["tags_per_article"] = f"is too large (maximum is {TAGS_PER_ARTICLE_MAX})"
    elif articles and cmd.tags_per_article > cmd.tags:
        errors["tags_per_article"] = f"needs at least {cmd.tags_per_article} tags to draw from (there are {cmd.tags})"
    return errors


class _NoProgress:
    def begin(self, stages: Sequence[tuple[str, int]]) -> None:
        pass

    def advance(self, stage: str, amount: int) -> None:
        pass


class SeedDemoData:
    """Fill an empty store with demo data that obeys every domain rule; every account shares one password.

    Raises InvalidInput for an impossible size, or when the store already holds data (seeding never mixes demo
    rows with real ones, and a production database is never empty).
    """

    def __init__(
        self, writer: DemoDataWriter, hasher: PasswordHasher, clock: Clock, progress: ProgressReporter | None = None
    ) -> None:
        self._writer, self._hasher, self._clock = writer, hasher, clock
        self._progress: ProgressReporter = progress if progress is not None else _NoProgress()

    def __call__(self, cmd: SeedCommand) -> SeedReport:
        check_seed_command(cmd)
        if not self._writer.is_empty():
            raise InvalidInput({"database": ["already holds data: seed an empty database"]})
        # Hashed once and shared: one argon2 hash per account would take longer than all the rest together.
        password_hash = self._hasher.hash(cmd.password)
        return _Seeding(cmd, self._writer, self._progress, password_hash, self._clock.now()).run()


def _spread(total: int, weights: Sequence[float], cap: int | None, rng: random.Random) -> "array[int]":
    """`total` split into len(weights) counts roughly in proportion to the weights, none above `cap`."""
    counts = array("q", bytes(8 * len(weights)))
    if not total:
        return counts
    scale = total / sum(weights)
    for index, weight in enumerate(weights):
        counts[index] = int(weight * scale) if cap is None else min(int(weight * scale), cap)
    left = total - sum(counts)
    for _ in range(4 * left + 100):  # what rounding and the cap left over, one by one to random slots with room
        if not left:
            break
        index = rng.randrange(len(counts))
        if cap is None or counts[index] < cap:
            counts[index] += 1
            left -= 1
    for index in range(len(counts)):  # only when nearly every slot is full: fill the rest in order
        if not left:
            break
        room = left if cap is None else min(cap - counts[index], left)
        counts[index] += room
        left -= room
    return counts


def _distinct(k: int, draw: Callable[[], int], population: int, excluded: int | None, rng: random.Random) -> list[int]:
    """`k` distinct indices below `population` (never `excluded`), drawn with `draw` while that is quick."""
    chosen: dict[int, None] = {}  # a set that keeps the order of the draws, for reproducibility
    for _ in range(3 * k + 10):
        if len(chosen) == k:
            return list(chosen)
        if (index := draw()) != excluded:
            chosen[index] = None
    rest = [index for index in range(population) if index != excluded and index not in chosen]
    chosen.update(dict.fromkeys(rng.sample(rest, k - len(chosen))))
    return list(chosen)


class _Pipeline:
    """Writes run on one background thread, in the order they were handed over, while the next batch is made.

    Generating rows is Python work and storing them is mostly the database's (COPY, indexes, foreign-key checks):
    given a core each, the two overlap. One thread keeps the order (articles are stored before their comments); a
    bounded backlog keeps memory flat; the first failure cancels what is queued behind it and is raised here.
    """

    BACKLOG: Final = 2

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-writer")
        self._queued: deque[Future[None]] = deque()

    def submit(self, write: Callable[[], None]) -> None:
        self._queued.append(self._executor.submit(write))
        while len(self._queued) > self.BACKLOG:
            self._queued.popleft().result()

    def __enter__(self) -> "_Pipeline":
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        try:
            while self._queued and exc_type is None:
                self._queued.popleft().result()
        finally:
            for queued in self._queued:
                queued.cancel()
            self._executor.shutdown(wait=True)


class _Batches(Generic[T]):
    """Rows gathered and handed to `write` (one transaction) `size` at a time, through the pipeline."""

    def __init__(
        self,
        stage: str,
        write: Callable[[list[T]], None],
        size: int,
        progress: ProgressReporter,
        pipeline: _Pipeline,
    ) -> None:
        self._stage, self._write, self._size, self._progress, self._pipeline = stage, write, size, progress, pipeline
        self._rows: list[T] = []
        self.written = 0

    def add(self, row: T) -> None:
        self._rows.append(row)
        if len(self._rows) >= self._size:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        rows, self._rows = self._rows, []
        self.written += len(rows)

        def write() -> None:
            self._write(rows)
            self._progress.advance(self._stage, len(rows))

        self._pipeline.submit(write)


class _Seeding:
    """One run. Times are integer milliseconds since the epoch, so that distinct values stay distinct."""

    def __init__(
        self,
        cmd: SeedCommand,
        writer: DemoDataWriter,
        progress: ProgressReporter,
        password_hash: str,
        now: datetime,
    ) -> None:
        self._cmd, self._writer, self._progress, self._password_hash = cmd, writer, progress, password_hash
        self._rng = random.Random(cmd.seed)  # noqa: S311 - reproducible demo data, not secrets
        self._text = TextMaker(self._rng)
        self._now = (now - _EPOCH) // _MS
        span = max(SPAN // _MS, 10 * max(cmd.users, cmd.articles))
        self._start = self._now - span
        self._user_ids: list[UserId] = []
        self._user_times: list[int] = []
        self._names: list[str] = []
        self._emails: list[str] = []
        self._popularity: list[float] = []  # cumulative: prolific authors also draw followers
        self._articles_by: array[int] = array("q", bytes(8 * cmd.users))

    def run(self) -> SeedReport:
        cmd = self._cmd
        self._progress.begin(
            [
                ("users", cmd.users),
                ("follows", cmd.follows),
                ("articles", cmd.articles),
                ("comments", cmd.comments),
                ("favorites", cmd.favorites),
            ]
        )
        with _Pipeline() as self._pipeline:
            users = self._batches("users", self._writer.add_users)
            self._users(users)
            follows = self._batches("follows", self._writer.add_follows)
            self._follows(follows)
            articles = self._batches("articles", self._writer.add_articles)
            comments = self._batches("comments", self._writer.add_comments)
            favorites = self._batches("favorites", self._writer.add_favorites)
            tags_used = self._articles(articles, comments, favorites)
        return SeedReport(
            users=users.written,
            follows=follows.written,
            articles=articles.written,
            comments=comments.written,
            favorites=favorites.written,
            tags=tags_used,
            password=cmd.password,
            accounts=self._showcase(),
        )

    def _batches(self, stage: str, write: Callable[[list[T]], None]) -> "_Batches[T]":
        return _Batches(stage, write, self._cmd.batch_size, self._progress, self._pipeline)

    def _at(self, ms: int) -> datetime:
        return _EPOCH + ms * _MS

    def _new_uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self._rng.getrandbits(128), version=4)

    def _stratified(self, count: int, start: int, end: int) -> Callable[[int], int]:
        """The i-th of `count` increasing, distinct times in [start, end): one random moment per equal slot."""
        slot = max((end - start) // max(count, 1), 1)
        return lambda i: start + i * slot + self._rng.randrange(slot)

    def _users(self, batches: "_Batches[User]") -> None:
        rng, count = self._rng, self._cmd.users
        self._names = usernames(count, rng)
        self._emails = [email_for(name, rng) for name in self._names]
        time_of = self._stratified(count, self._start, self._start + (self._now - self._start) * 4 // 5)
        self._popularity = list(itertools.accumulate(rng.paretovariate(1.5) for _ in range(count)))
        for index in range(count):
            moment = time_of(index)
            user_id = UserId(self._new_uuid())
            self._user_ids.append(user_id)
            self._user_times.append(moment)
            created = self._at(moment)
            batches.add(
                User(
                    id=user_id,
                    username=self._names[index],
                    email=self._emails[index],
                    password_hash=self._password_hash,
                    bio=self._text.bio(),
                    image=None,  # frontends draw their default avatar; no third-party image URLs
                    created_at=created,
                    updated_at=created,
                )
            )
        batches.flush()

    def _popular_user(self, below: int | None = None) -> int:
        """A user index drawn by popularity, among the first `below` users (those who existed by then)."""
        end = len(self._popularity) if below is None else below
        index = bisect_right(self._popularity, self._rng.random() * self._popularity[end - 1], 0, end)
        return min(index, end - 1)

    def _follows(self, batches: "_Batches[Follow]") -> None:
        rng, count = self._rng, self._cmd.users
        if not self._cmd.follows:
            return
        followed_counts = _spread(self._cmd.follows, [rng.paretovariate(1.5) for _ in range(count)], count - 1, rng)
        for follower, how_many in enumerate(followed_counts):
            for followee in _distinct(how_many, self._popular_user, count, follower, rng):
                since = max(self._user_times[follower], self._user_times[followee]) + 1
                batches.add(
                    Follow(
                        follower_id=self._user_ids[follower],
                        followee_id=self._user_ids[followee],
                        created_at=self._at(rng.randrange(since, self._now)),
                    )
                )
        batches.flush()

    def _articles(
        self, batches: "_Batches[Article]", comments: "_Batches[Comment]", favorites: "_Batches[Favorite]"
    ) -> int:
        """Articles, each batch followed by its comments and favorites (which need the articles stored first)."""
        cmd, rng = self._cmd, self._rng
        if not cmd.articles:
            return 0
        weights = array("d", (rng.paretovariate(1.5) for _ in range(cmd.articles)))  # a few articles go viral
        comment_counts = _spread(cmd.comments, weights, None, rng)
        favorite_counts = _spread(cmd.favorites, weights, cmd.users, rng)
        del weights
        names = tag_names(cmd.tags, rng)
        unused_tags = list(range(cmd.tags))  # each tag is used once before popular ones repeat
        rng.shuffle(unused_tags)
        used_tags = bytearray(cmd.tags)
        slug_suffixes: set[int] = set()  # a slug is unique by its id's first 48 bits: keep them distinct
        time_of = self._stratified(cmd.articles, self._user_times[0] + 1, self._now - RECENT // _MS)
        # An article's comments and favorites are made with it (so the data do not depend on the batch size) and
        # handed over once the article's batch is stored.
        later_comments: list[Comment] = []
        later_favorites: list[Favorite] = []
        for index in range(cmd.articles):
            moment = time_of(index)
            author = self._popular_user(below=bisect_left(self._user_times, moment))
            while (article_id := ArticleId(self._new_uuid())).int >> 80 in slug_suffixes:
                pass
            slug_suffixes.add(article_id.int >> 80)
            tags = self._tags_for_article(unused_tags)
            for tag in tags:
                used_tags[tag] = 1
            title = self._text.title()
            updated = moment if rng.random() < 0.85 else rng.randrange(moment + 1, self._now)
            self._articles_by[author] += 1
            batches.add(
                Article(
                    id=article_id,
                    author_id=self._user_ids[author],
                    slug=slugify(title, article_id),
                    title=title,
                    description=self._text.description(),
                    body=self._text.body(),
                    tags=normalize_tags(names[tag] for tag in tags),
                    created_at=self._at(moment),
                    updated_at=self._at(updated),
                )
            )
            later_comments += self._comments_on(article_id, moment, comment_counts[index])
            later_favorites += self._favorites_of(article_id, moment, favorite_counts[index])
            if (index + 1) % cmd.batch_size == 0 or index == cmd.articles - 1:
                batches.flush()
                for comment in later_comments:
                    comments.add(comment)
                for favorite in later_favorites:
                    favorites.add(favorite)
                later_comments, later_favorites = [], []
        comments.flush()
        favorites.flush()
        return sum(used_tags)

    def _tags_for_article(self, unused: list[int]) -> list[int]:
        rng, per_article, count = self._rng, self._cmd.tags_per_article, self._cmd.tags
        chosen = [unused.pop() for _ in range(min(per_article, len(unused)))]
        taken = set(chosen)
        # Popular tags are much more common than the rest, as on any blog (index 0 is the most popular).
        more = _distinct(per_article - len(chosen), lambda: int(count * rng.random() ** 2), count, None, rng)
        chosen += [tag for tag in more if tag not in taken]
        while len(chosen) < per_article:  # a popular draw repeated an unused tag: top up with any other
            if (tag := rng.randrange(count)) not in taken:
                taken.add(tag)
                chosen.append(tag)
        return chosen

    def _comments_on(self, article_id: ArticleId, created: int, count: int) -> list[Comment]:
        rng, moments, made = self._rng, set[int](), list[Comment]()
        for _ in range(count):
            author = rng.randrange(self._cmd.users)
            since = max(created, self._user_times[author]) + 1
            for _ in range(10):  # distinct times keep the list's order stable (short of room, give up)
                if (moment := rng.randrange(since, self._now)) not in moments:
                    break
            moments.add(moment)
            at = self._at(moment)
            made.append(
                Comment(
                    article_id=article_id,
                    author_id=self._user_ids[author],
                    body=self._text.comment(),
                    created_at=at,
                    updated_at=at,
                )
            )
        return made

    def _favorites_of(self, article_id: ArticleId, created: int, count: int) -> list[Favorite]:
        rng, made = self._rng, list[Favorite]()
        for user in rng.sample(range(self._cmd.users), count):
            since = max(created, self._user_times[user]) + 1
            made.append(
                Favorite(
                    user_id=self._user_ids[user],
                    article_id=article_id,
                    created_at=self._at(rng.randrange(since, self._now)),
                )
            )
        return made

    def _showcase(self) -> tuple[DemoAccount, ...]:
        best = heapq.nlargest(3, range(self._cmd.users), key=lambda index: (self._articles_by[index], -index))
        return tuple(DemoAccount(username=self._names[index], email=self._emails[index]) for index in best)
