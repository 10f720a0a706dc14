"""Read ports over the committed in-memory state; they answer as the SQL ones do (see tests/contract)."""

from collections import Counter
from collections.abc import Callable

from adapters.memory.store import InMemoryStore
from application.queries import (
    ArticleFilter,
    ArticleQueries,
    CommentQueries,
    ProfileQueries,
    TagQueries,
    UserQueries,
)
from application.views import (
    AccountView,
    ArticlePage,
    ArticleView,
    CommentView,
    ProfileView,
    SessionCheck,
    UserPage,
    UserSummaryView,
)
from domain.articles import Article
from domain.ids import ArticleId, CommentId, UserId
from domain.users import User


class _Reader:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def _profile(self, user: User, viewer_id: UserId | None) -> ProfileView:
        following = viewer_id is not None and (viewer_id, user.id) in self._store.follows
        return ProfileView.of(user, following=following)

    def _user_named(self, username: str) -> User | None:
        return next((u for u in self._store.users.values() if u.username == username), None)


class InMemoryUserQueries(_Reader, UserQueries):
    def check_session(
        self, user_id: UserId, *, password_version: int, session_id: str, writing: bool = False
    ) -> SessionCheck | None:
        with self._store.lock:
            user = self._store.users.get(user_id)
        if user is None:
            return None
        return SessionCheck(
            accepted=user.accepts_session(password_version=password_version, session_id=session_id),
            account=AccountView(email=user.email, username=user.username, bio=user.bio, image=user.image),
        )

    def page(self, *, limit: int, offset: int) -> UserPage:
        with self._store.lock:
            everyone = sorted(self._store.users.values(), key=lambda u: (u.created_at, u.id))
        summaries = tuple(
            UserSummaryView(username=u.username, email=u.email, bio=u.bio, image=u.image, created_at=u.created_at)
            for u in everyone[offset : offset + limit]
        )
        return UserPage(users=summaries, count=len(everyone))


class InMemoryProfileQueries(_Reader, ProfileQueries):
    def find(self, username: str, *, viewer_id: UserId | None) -> ProfileView | None:
        with self._store.lock:
            user = self._user_named(username)
            return self._profile(user, viewer_id) if user else None


class InMemoryArticleQueries(_Reader, ArticleQueries):
    def find(self, article_id: ArticleId, *, viewer_id: UserId | None) -> ArticleView | None:
        with self._store.lock:
            article = self._store.articles.get(article_id)
            return (
                self._view(article, viewer_id, self._favorites_count(article.id), with_body=True) if article else None
            )

    def find_by_slug(self, slug: str, *, viewer_id: UserId | None) -> ArticleView | None:
        with self._store.lock:
            article = next((a for a in self._store.articles.values() if a.slug == slug), None)
            return (
                self._view(article, viewer_id, self._favorites_count(article.id), with_body=True) if article else None
            )

    def search(self, criteria: ArticleFilter, *, viewer_id: UserId | None) -> ArticlePage:
        with self._store.lock:
            conditions: list[Callable[[Article], bool]] = []
            if criteria.tag is not None:
                tag = criteria.tag
                conditions.append(lambda a: tag in a.tags)
            if criteria.author is not None:
                author = self._user_named(criteria.author)
                conditions.append(lambda a: author is not None and a.author_id == author.id)
            if criteria.favorited_by is not None:
                fan = self._user_named(criteria.favorited_by)
                conditions.append(lambda a: fan is not None and (fan.id, a.id) in self._store.favorites)
            return self._page(conditions, viewer_id, criteria.limit, criteria.offset)

    def feed(self, viewer_id: UserId, *, limit: int, offset: int) -> ArticlePage:
        with self._store.lock:
            followed = {followee for follower, followee in self._store.follows if follower == viewer_id}
            return self._page([lambda a: a.author_id in followed], viewer_id, limit, offset)

    def _page(
        self, conditions: list[Callable[[Article], bool]], viewer_id: UserId | None, limit: int, offset: int
    ) -> ArticlePage:
        matches = [a for a in self._store.articles.values() if all(condition(a) for condition in conditions)]
        matches.sort(key=lambda a: (a.created_at, a.id), reverse=True)
        counts = Counter(article_id for _, article_id in self._store.favorites)
        page = tuple(self._view(a, viewer_id, counts[a.id], with_body=False) for a in matches[offset : offset + limit])
        return ArticlePage(articles=page, count=len(matches))

    def _favorites_count(self, article_id: ArticleId) -> int:
        return sum(1 for _, favorite_of in self._store.favorites if favorite_of == article_id)

    def _view(
        self, article: Article, viewer_id: UserId | None, favorites_count: int, *, with_body: bool
    ) -> ArticleView:
        return ArticleView(
            slug=article.slug,
            title=article.title,
            description=article.description,
            body=article.body if with_body else None,
            tags=tuple(article.tags),
            created_at=article.created_at,
            updated_at=article.updated_at,
            favorited=viewer_id is not None and (viewer_id, article.id) in self._store.favorites,
            favorites_count=favorites_count,
            author=self._profile(self._store.users[article.author_id], viewer_id),
        )


class InMemoryCommentQueries(_Reader, CommentQueries):
    def for_article(self, slug: str, *, viewer_id: UserId | None) -> list[CommentView] | None:
        with self._store.lock:
            article = next((a for a in self._store.articles.values() if a.slug == slug), None)
            if article is None:
                return None
            found = [c for c in self._store.comments.values() if c.article_id == article.id]
            found.sort(key=lambda c: (c.created_at, c.id or 0), reverse=True)
            return [
                CommentView(
                    id=CommentId(c.id or 0),
                    body=c.body,
                    created_at=c.created_at,
                    updated_at=c.updated_at,
                    author=self._profile(self._store.users[c.author_id], viewer_id),
                )
                for c in found
            ]


class InMemoryTagQueries(_Reader, TagQueries):
    def all(self) -> tuple[str, ...]:
        with self._store.lock:
            return tuple(sorted({tag for article in self._store.articles.values() for tag in article.tags}))
