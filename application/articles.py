"""Articles: write, read, edit, delete, list, and the feed."""

from collections.abc import Sequence
from dataclasses import dataclass

from application.paging import PAGE_SIZE_DEFAULT, check_window
from application.ports import Clock, UnitOfWork
from application.queries import ArticleFilter, ArticleQueries
from application.views import ArticlePage, ArticleView
from domain.articles import Article
from domain.errors import Unauthenticated
from domain.ids import UserId
from domain.users import KEEP, Change, raise_if_invalid
from domain.validation import check_lookup


@dataclass(frozen=True, kw_only=True)
class CreateArticleCommand:
    author_id: UserId
    title: str | None
    description: str | None
    body: str | None
    tags: Sequence[str] = ()


class CreateArticle:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    def __call__(self, cmd: CreateArticleCommand) -> ArticleView:
        article = Article.write(
            author_id=cmd.author_id,
            title=cmd.title,
            description=cmd.description,
            body=cmd.body,
            tags=cmd.tags,
            now=self._clock.now(),
        )
        with self._uow as uow:
            if (author := uow.users.find_by_id(cmd.author_id)) is None:
                raise Unauthenticated()
            uow.articles.add(article)
            uow.commit()
        return ArticleView.of_new(article, author)


@dataclass(frozen=True, kw_only=True)
class GetArticleCommand:
    slug: str
    viewer_id: UserId | None = None


class GetArticle:
    def __init__(self, articles: ArticleQueries) -> None:
        self._articles = articles

    def __call__(self, cmd: GetArticleCommand) -> ArticleView:
        return self._articles.get_by_slug(cmd.slug, viewer_id=cmd.viewer_id)


@dataclass(frozen=True, kw_only=True)
class UpdateArticleCommand:
    """A partial update: KEEP leaves a field alone; `tags=None` is refused, `tags=[]` clears them."""

    slug: str
    editor_id: UserId
    title: Change[str | None] = KEEP
    description: Change[str | None] = KEEP
    body: Change[str | None] = KEEP
    tags: Change[Sequence[str] | None] = KEEP


class UpdateArticle:
    """Edit an article; only its author may."""

    def __init__(self, uow: UnitOfWork, articles: ArticleQueries, clock: Clock) -> None:
        self._uow, self._articles, self._clock = uow, articles, clock

    def __call__(self, cmd: UpdateArticleCommand) -> ArticleView:
        with self._uow as uow:
            article = uow.articles.get_by_slug(cmd.slug, for_update=True)
            article.edit(
                editor_id=cmd.editor_id,
                now=self._clock.now(),
                title=cmd.title,
                description=cmd.description,
                body=cmd.body,
                tags=cmd.tags,
            )
            uow.commit()
        return self._articles.get(article.id, viewer_id=cmd.editor_id)


@dataclass(frozen=True, kw_only=True)
class DeleteArticleCommand:
    slug: str
    user_id: UserId


class DeleteArticle:
    """Delete an article with its comments and favorites; only its author may."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: DeleteArticleCommand) -> None:
        with self._uow as uow:
            article = uow.articles.get_by_slug(cmd.slug, for_update=True)
            article.ensure_author(cmd.user_id)
            uow.articles.remove(article)
            uow.commit()


@dataclass(frozen=True, kw_only=True)
class ListArticlesCommand:
    viewer_id: UserId | None = None
    tag: str | None = None
    author: str | None = None
    favorited_by: str | None = None
    limit: int = PAGE_SIZE_DEFAULT
    offset: int = 0


class ListArticles:
    def __init__(self, articles: ArticleQueries) -> None:
        self._articles = articles

    def __call__(self, cmd: ListArticlesCommand) -> ArticlePage:
        check_window(cmd.limit, cmd.offset)
        raise_if_invalid(
            {
                name: check_lookup(value)
                for name, value in (("tag", cmd.tag), ("author", cmd.author), ("favorited", cmd.favorited_by))
                if value is not None
            }
        )
        criteria = ArticleFilter(
            tag=cmd.tag, author=cmd.author, favorited_by=cmd.favorited_by, limit=cmd.limit, offset=cmd.offset
        )
        return self._articles.search(criteria, viewer_id=cmd.viewer_id)


@dataclass(frozen=True, kw_only=True)
class FeedArticlesCommand:
    viewer_id: UserId
    limit: int = PAGE_SIZE_DEFAULT
    offset: int = 0


class FeedArticles:
    """Articles by the authors the viewer follows."""

    def __init__(self, articles: ArticleQueries) -> None:
        self._articles = articles

    def __call__(self, cmd: FeedArticlesCommand) -> ArticlePage:
        check_window(cmd.limit, cmd.offset)
        return self._articles.feed(cmd.viewer_id, limit=cmd.limit, offset=cmd.offset)
