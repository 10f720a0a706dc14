"""Moderation: what an operator may do that no author could, e.g. take down anybody's article."""

from dataclasses import dataclass

from application.ports import UnitOfWork
from application.views import RemovedArticleView


@dataclass(frozen=True, kw_only=True)
class RemoveArticleCommand:
    slug: str


class RemoveArticle:
    """Delete any article, whoever wrote it, with its comments and favorites. Raises ArticleNotFound."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: RemoveArticleCommand) -> RemovedArticleView:
        with self._uow as uow:
            article = uow.articles.get_by_slug(cmd.slug, for_update=True)
            author = uow.users.find_by_id(article.author_id)
            removed = RemovedArticleView(
                slug=article.slug, title=article.title, author=author.username if author else None
            )
            uow.articles.remove(article)
            uow.commit()
        return removed
