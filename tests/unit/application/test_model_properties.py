"""Any sequence of use cases on the in-memory adapters agrees with a plain Python model of Conduit.

Hypothesis drives register / follow / unfollow / create / edit tags / delete article / favorite / unfavorite /
add comment / delete comment in random orders, including the error paths (unknown article, not the author, taken
username or email, following oneself); after every step the read side (GetArticle, GetProfile, ListArticles with each
filter, the feed, ListTags, ListComments) must show exactly the model's counts and flags. A failure prints the
shortest sequence of steps that breaks it.

What it proves: favoritesCount, favorited, following, feed contents, articlesCount, tags and comment lists are
derived from the same facts that the writes change, and deleting an article takes its favorites and comments with it.
It fails if any of them is cached and not updated on some path (e.g. a count not decremented when an article goes, a
feed that keeps a deleted article, tags of a deleted article still listed, a favorite surviving its article), or if an
error path leaves a partial write behind.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from adapters.memory.queries import (
    InMemoryArticleQueries,
    InMemoryCommentQueries,
    InMemoryProfileQueries,
    InMemoryTagQueries,
)
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.articles import (
    CreateArticle,
    CreateArticleCommand,
    DeleteArticle,
    DeleteArticleCommand,
    FeedArticles,
    FeedArticlesCommand,
    GetArticle,
    GetArticleCommand,
    ListArticles,
    ListArticlesCommand,
    UpdateArticle,
    UpdateArticleCommand,
)
from application.comments import (
    AddComment,
    AddCommentCommand,
    DeleteComment,
    DeleteCommentCommand,
    ListComments,
    ListCommentsCommand,
)
from application.favorites import FavoriteArticle, FavoriteCommand, UnfavoriteArticle
from application.paging import PAGE_SIZE_MAX
from application.ports import TokenClaims
from application.profiles import FollowCommand, FollowUser, GetProfile, GetProfileCommand, UnfollowUser
from application.tags import ListTags
from application.users import RegisterUser, RegisterUserCommand
from domain.errors import (
    ArticleNotFound,
    CannotFollowSelf,
    CommentNotFound,
    DomainError,
    EmailTaken,
    NotArticleAuthor,
    NotCommentAuthor,
    UsernameTaken,
)
from domain.ids import CommentId, UserId
from tests.builders import PASSWORD, TickingClock

NAMES = ("jake", "amy", "rosa", "gina", "terry")
TAGS = ("dragons", "training", "zoo", "Ångström", "b")
titles = st.sampled_from(("How to train your dragon", "Dragons", "Zoo"))
# Tags as a client may send them: repeated, or with spaces around (the domain trims and de-duplicates them).
tag_lists = st.lists(st.sampled_from(TAGS).flatmap(lambda t: st.sampled_from((t, f" {t}", f"{t} "))), max_size=4)


class PlainHasher:
    """Hashing is not what this test is about: a reversible stand-in keeps hundreds of registrations instant."""

    def hash(self, password: str) -> str:
        return f"plain:{password}"

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == f"plain:{password}"

    def burn_time(self, password: str) -> None:
        pass


class IdTokens:
    """The token is the user id: the test reads ids back from RegisterUser's answer."""

    def issue(self, user_id: UserId, *, password_version: int, session_id: str | None = None) -> str:
        return f"{user_id}:{password_version}:{session_id or 'session'}"

    def read(self, token: str) -> TokenClaims:
        user_id, version, session_id = token.split(":")
        return TokenClaims(user_id=UserId(uuid.UUID(user_id)), password_version=int(version), session_id=session_id)


@dataclass(eq=False)
class ArticleRef:
    """What the article bundle holds: stays valid when the article is deleted (then every use is ArticleNotFound)."""

    slug: str


@dataclass
class ModelArticle:
    author: str
    tags: tuple[str, ...]
    order: int  # creation order: lists are newest first


@dataclass
class ModelComment:
    article: ArticleRef
    author: str
    body: str


@dataclass
class Model:
    users: dict[str, UserId] = field(default_factory=dict)
    emails: set[str] = field(default_factory=set)  # lower-cased
    follows: set[tuple[str, str]] = field(default_factory=set)  # (follower, followee)
    articles: dict[str, ModelArticle] = field(default_factory=dict)  # by slug, live ones only
    favorites: set[tuple[str, str]] = field(default_factory=set)  # (user, slug)
    comments: dict[CommentId, ModelComment] = field(default_factory=dict)  # live ones only
    homes: dict[CommentId, ArticleRef] = field(default_factory=dict)  # every comment ever added: its article
    created: int = 0

    def favorites_count(self, slug: str) -> int:
        return sum(1 for _, favorite_of in self.favorites if favorite_of == slug)

    def newest_first(self, slugs: set[str]) -> list[str]:
        return sorted(slugs, key=lambda s: self.articles[s].order, reverse=True)


class ConduitModel(RuleBasedStateMachine):
    users = Bundle[str]("users")
    articles = Bundle[ArticleRef]("articles")
    comments = Bundle[CommentId]("comments")

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        self.store = store = InMemoryStore()
        clock = TickingClock()

        def uow() -> InMemoryUnitOfWork:
            return InMemoryUnitOfWork(store)

        article_queries = InMemoryArticleQueries(store)
        self.register_user = RegisterUser(uow=uow(), hasher=PlainHasher(), tokens=IdTokens(), clock=clock)
        self.follow_user = FollowUser(uow=uow(), clock=clock)
        self.unfollow_user = UnfollowUser(uow=uow())
        self.get_profile = GetProfile(profiles=InMemoryProfileQueries(store))
        self.create_article = CreateArticle(uow=uow(), clock=clock)
        self.update_article = UpdateArticle(uow=uow(), articles=article_queries, clock=clock)
        self.delete_article = DeleteArticle(uow=uow())
        self.get_article = GetArticle(articles=article_queries)
        self.list_articles = ListArticles(articles=article_queries)
        self.feed_articles = FeedArticles(articles=article_queries)
        self.favorite_article = FavoriteArticle(uow=uow(), articles=article_queries, clock=clock)
        self.unfavorite_article = UnfavoriteArticle(uow=uow(), articles=article_queries)
        self.add_comment = AddComment(uow=uow(), clock=clock)
        self.delete_comment = DeleteComment(uow=uow())
        self.list_comments = ListComments(comments=InMemoryCommentQueries(store))
        self.list_tags = ListTags(tags=InMemoryTagQueries(store))

    @initialize(target=users)
    def two_users(self) -> MultipleResults[str]:
        """Start with two accounts, so that every rule can run from the first step."""
        return multiple(self.sign_up("jake", "jake@example.com"), self.sign_up("amy", "amy@example.com"))

    # --- writes --------------------------------------------------------------------------------------------------

    @rule(target=users, username=st.sampled_from(NAMES), mailbox=st.sampled_from(NAMES), upper=st.booleans())
    def register(self, username: str, mailbox: str, upper: bool) -> MultipleResults[str]:
        email = f"{mailbox}@example.com"
        command = RegisterUserCommand(username=username, email=email.upper() if upper else email, password=PASSWORD)
        if username in self.model.users:
            self.expect(UsernameTaken, lambda: self.register_user(command))
            return multiple()
        if email in self.model.emails:  # whatever the case it is given in
            self.expect(EmailTaken, lambda: self.register_user(command))
            return multiple()
        return multiple(self.sign_up(username, command.email))

    def sign_up(self, username: str, email: str) -> str:
        view = self.register_user(RegisterUserCommand(username=username, email=email, password=PASSWORD))
        assert view.username == username
        self.model.users[username] = IdTokens().read(view.token).user_id
        self.model.emails.add(email.lower())
        return username

    @rule(follower=users, followee=users)
    def follow(self, follower: str, followee: str) -> None:
        command = FollowCommand(follower_id=self.model.users[follower], username=followee)
        if follower == followee:
            self.expect(CannotFollowSelf, lambda: self.follow_user(command))
            return
        assert self.follow_user(command).following
        self.model.follows.add((follower, followee))

    @rule(follower=users, followee=users)
    def unfollow(self, follower: str, followee: str) -> None:
        view = self.unfollow_user(FollowCommand(follower_id=self.model.users[follower], username=followee))
        assert not view.following
        self.model.follows.discard((follower, followee))

    @rule(target=articles, author=users, title=titles, tags=tag_lists)
    def create(self, author: str, title: str, tags: list[str]) -> ArticleRef:
        command = CreateArticleCommand(
            author_id=self.model.users[author], title=title, description="d", body="b", tags=tags
        )
        view = self.create_article(command)
        self.model.created += 1
        self.model.articles[view.slug] = ModelArticle(
            author=author, tags=tuple(sorted({t.strip() for t in tags})), order=self.model.created
        )
        assert (view.favorites_count, view.favorited, view.tags) == (0, False, self.model.articles[view.slug].tags)
        return ArticleRef(view.slug)

    @rule(editor=users, article=articles, tags=tag_lists)
    def edit_tags(self, editor: str, article: ArticleRef, tags: list[str]) -> None:
        command = UpdateArticleCommand(slug=article.slug, editor_id=self.model.users[editor], tags=tags)
        if (stored := self.model.articles.get(article.slug)) is None:
            self.expect(ArticleNotFound, lambda: self.update_article(command))
        elif stored.author != editor:
            self.expect(NotArticleAuthor, lambda: self.update_article(command))
        else:
            stored.tags = tuple(sorted({t.strip() for t in tags}))
            assert self.update_article(command).tags == stored.tags

    @rule(user=users, article=articles)
    def delete(self, user: str, article: ArticleRef) -> None:
        command = DeleteArticleCommand(slug=article.slug, user_id=self.model.users[user])
        if (stored := self.model.articles.get(article.slug)) is None:
            self.expect(ArticleNotFound, lambda: self.delete_article(command))
        elif stored.author != user:
            self.expect(NotArticleAuthor, lambda: self.delete_article(command))
        else:
            self.delete_article(command)
            m = self.model
            del m.articles[article.slug]
            m.favorites = {(u, s) for u, s in m.favorites if s != article.slug}
            m.comments = {i: c for i, c in m.comments.items() if c.article.slug != article.slug}

    @rule(user=users, article=articles)
    def favorite(self, user: str, article: ArticleRef) -> None:
        command = FavoriteCommand(slug=article.slug, user_id=self.model.users[user])
        if article.slug not in self.model.articles:
            self.expect(ArticleNotFound, lambda: self.favorite_article(command))
            return
        self.model.favorites.add((user, article.slug))
        view = self.favorite_article(command)
        assert (view.favorited, view.favorites_count) == (True, self.model.favorites_count(article.slug))

    @rule(user=users, article=articles)
    def unfavorite(self, user: str, article: ArticleRef) -> None:
        command = FavoriteCommand(slug=article.slug, user_id=self.model.users[user])
        if article.slug not in self.model.articles:
            self.expect(ArticleNotFound, lambda: self.unfavorite_article(command))
            return
        self.model.favorites.discard((user, article.slug))
        view = self.unfavorite_article(command)
        assert (view.favorited, view.favorites_count) == (False, self.model.favorites_count(article.slug))

    @rule(target=comments, author=users, article=articles, body=st.sampled_from(("first!", "Thank you", "ok")))
    def comment(self, author: str, article: ArticleRef, body: str) -> MultipleResults[CommentId] | CommentId:
        command = AddCommentCommand(slug=article.slug, author_id=self.model.users[author], body=body)
        if article.slug not in self.model.articles:
            self.expect(ArticleNotFound, lambda: self.add_comment(command))
            return multiple()
        view = self.add_comment(command)
        assert view.id not in self.model.comments
        self.model.comments[view.id] = ModelComment(article=article, author=author, body=body)
        self.model.homes[view.id] = article
        return view.id

    @rule(user=users, comment_id=comments, via=st.none() | articles)
    def uncomment(self, user: str, comment_id: CommentId, via: ArticleRef | None) -> None:
        """Delete a comment through its own article, or (via) through some other one."""
        stored = self.model.comments.get(comment_id)
        slug = (via or self.model.homes[comment_id]).slug
        command = DeleteCommentCommand(slug=slug, comment_id=comment_id, user_id=self.model.users[user])
        if slug not in self.model.articles:
            self.expect(ArticleNotFound, lambda: self.delete_comment(command))
        elif stored is None or stored.article.slug != slug:
            self.expect(CommentNotFound, lambda: self.delete_comment(command))
        elif stored.author != user:
            self.expect(NotCommentAuthor, lambda: self.delete_comment(command))
        else:
            self.delete_comment(command)
            del self.model.comments[comment_id]

    # --- the read side agrees with the model ----------------------------------------------------------------------

    @invariant()
    def articles_show_the_models_counts_and_flags(self) -> None:
        m = self.model
        for slug, stored in m.articles.items():
            for viewer in [None, *m.users]:
                view = self.get_article(GetArticleCommand(slug=slug, viewer_id=m.users[viewer] if viewer else None))
                assert view.favorites_count == m.favorites_count(slug), (slug, viewer)
                assert view.favorited is ((viewer, slug) in m.favorites), (slug, viewer)
                assert view.author.username == stored.author
                assert view.author.following is ((viewer, stored.author) in m.follows), (slug, viewer)
                assert view.tags == stored.tags

    @invariant()
    def profiles_show_who_follows_whom(self) -> None:
        m = self.model
        for username in m.users:
            for viewer in [None, *m.users]:
                command = GetProfileCommand(username=username, viewer_id=m.users[viewer] if viewer else None)
                assert self.get_profile(command).following is ((viewer, username) in m.follows), (username, viewer)

    @invariant()
    def lists_and_feeds_hold_exactly_the_models_articles(self) -> None:
        m = self.model

        def listed(tag: str | None = None, author: str | None = None, favorited_by: str | None = None) -> list[str]:
            command = ListArticlesCommand(tag=tag, author=author, favorited_by=favorited_by, limit=PAGE_SIZE_MAX)
            page = self.list_articles(command)
            assert page.count == len(page.articles)  # every match fits in one page here
            return [a.slug for a in page.articles]

        assert listed() == m.newest_first(set(m.articles))
        for tag in TAGS:
            assert listed(tag=tag) == m.newest_first({s for s, a in m.articles.items() if tag in a.tags}), tag
        for username, user_id in m.users.items():
            assert listed(author=username) == m.newest_first({s for s, a in m.articles.items() if a.author == username})
            favorited = {s for u, s in m.favorites if u == username}
            assert listed(favorited_by=username) == m.newest_first(favorited), username
            feed = self.feed_articles(FeedArticlesCommand(viewer_id=user_id, limit=PAGE_SIZE_MAX))
            followed = {followee for follower, followee in m.follows if follower == username}
            expected = m.newest_first({s for s, a in m.articles.items() if a.author in followed})
            assert [a.slug for a in feed.articles] == expected, username
            assert feed.count == len(expected)

    @invariant()
    def tags_are_those_of_live_articles(self) -> None:
        assert list(self.list_tags()) == sorted({t for a in self.model.articles.values() for t in a.tags})

    @invariant()
    def comments_are_those_of_live_articles(self) -> None:
        m = self.model
        for slug in m.articles:
            listed = self.list_comments(ListCommentsCommand(slug=slug))
            expected = {i: c for i, c in m.comments.items() if c.article.slug == slug}
            assert {c.id: (c.author.username, c.body) for c in listed} == {
                i: (c.author, c.body) for i, c in expected.items()
            }

    @invariant()
    def the_store_holds_no_orphans(self) -> None:
        """What the read side cannot show: nothing refers to a deleted article (the database's ON DELETE CASCADE)."""
        store = self.store
        assert all(article_id in store.articles for _, article_id in store.favorites)
        assert all(comment.article_id in store.articles for comment in store.comments.values())
        assert len(store.favorites) == len(self.model.favorites)
        assert len(store.comments) == len(self.model.comments)
        assert len(store.follows) == len(self.model.follows)

    # --- helpers ---------------------------------------------------------------------------------------------------

    @staticmethod
    def expect(error: type[DomainError], call: Callable[[], object]) -> None:
        try:
            call()
        except error:
            return
        raise AssertionError(f"expected {error.__name__}")


TestConduitModel = ConduitModel.TestCase
TestConduitModel.settings = settings(
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
