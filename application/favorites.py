"""Favorites: idempotent favorite and unfavorite, answered with the article as the user now sees it."""

from dataclasses import dataclass

from application.ports import Clock, UnitOfWork
from application.queries import ArticleQueries
from application.views import ArticleView
from domain.favorites import Favorite
from domain.ids import UserId


@dataclass(frozen=True, kw_only=True)
class FavoriteCommand:
    slug: str
    user_id: UserId


class FavoriteArticle:
    def __init__(self, uow: UnitOfWork, articles: ArticleQueries, clock: Clock) -> None:
        self._uow, self._articles, self._clock = uow, articles, clock

    def __call__(self, cmd: FavoriteCommand) -> ArticleView:
        with self._uow as uow:
            article = uow.articles.get_by_slug(cmd.slug)
            uow.favorites.add(Favorite(user_id=cmd.user_id, article_id=article.id, created_at=self._clock.now()))
            uow.commit()
        return self._articles.get(article.id, viewer_id=cmd.user_id)


class UnfavoriteArticle:
    def __init__(self, uow: UnitOfWork, articles: ArticleQueries) -> None:
        self._uow, self._articles = uow, articles

    def __call__(self, cmd: FavoriteCommand) -> ArticleView:
        with self._uow as uow:
            article = uow.articles.get_by_slug(cmd.slug)
            uow.favorites.remove(cmd.user_id, article.id)
            uow.commit()
        return self._articles.get(article.id, viewer_id=cmd.user_id)
