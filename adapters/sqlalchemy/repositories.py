"""Repositories over a SQLAlchemy session: aggregates in, aggregates out."""

from typing import Any

from sqlalchemy import Select, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from adapters.sqlalchemy.constraints import constraint_errors
from adapters.sqlalchemy.database import storable
from adapters.sqlalchemy.tables import articles, comments, favorites, follows, users
from application.ports import (
    ArticleRepository,
    CommentRepository,
    FavoriteRepository,
    FollowRepository,
    UserRepository,
)
from domain.articles import Article
from domain.comments import Comment
from domain.favorites import Favorite
from domain.follows import Follow
from domain.ids import ArticleId, CommentId, UserId
from domain.users import User


class _SessionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _one_or_none(self, query: Select[Any]) -> Any:
        # The query first flushes this unit of work's pending changes, which may break a constraint.
        with constraint_errors():
            return self._session.scalars(query).one_or_none()


class SqlAlchemyUserRepository(_SessionRepository, UserRepository):
    def add(self, user: User) -> None:
        self._session.add(user)

    def find_by_id(self, user_id: UserId) -> User | None:
        with constraint_errors():
            return self._session.get(User, user_id)

    def find_by_username(self, username: str) -> User | None:
        if not storable(username):
            return None
        user: User | None = self._one_or_none(select(User).where(users.c.username == username))
        return user

    def find_by_email(self, email: str) -> User | None:
        if not storable(email):
            return None
        user: User | None = self._one_or_none(select(User).where(func.lower(users.c.email) == func.lower(email)))
        return user


class SqlAlchemyFollowRepository(_SessionRepository, FollowRepository):
    def add(self, follow: Follow) -> None:
        # One statement, idempotent even when two requests race to follow the same user.
        with constraint_errors():
            self._session.execute(
                insert(follows)
                .values(follower_id=follow.follower_id, followee_id=follow.followee_id, created_at=follow.created_at)
                .on_conflict_do_nothing(index_elements=[follows.c.follower_id, follows.c.followee_id])
            )

    def remove(self, follower_id: UserId, followee_id: UserId) -> None:
        self._session.execute(
            delete(follows).where(follows.c.follower_id == follower_id, follows.c.followee_id == followee_id)
        )

    def exists(self, follower_id: UserId, followee_id: UserId) -> bool:
        found = self._one_or_none(
            select(exists().where(follows.c.follower_id == follower_id, follows.c.followee_id == followee_id))
        )
        return bool(found)


class SqlAlchemyArticleRepository(_SessionRepository, ArticleRepository):
    def add(self, article: Article) -> None:
        self._session.add(article)

    def remove(self, article: Article) -> None:
        self._session.delete(article)  # comments and favorites follow by ON DELETE CASCADE

    def find_by_slug(self, slug: str, *, for_update: bool = False) -> Article | None:
        if not storable(slug):
            return None
        query = select(Article).where(articles.c.slug == slug)
        if for_update:
            # FOR NO KEY UPDATE: writers of this article queue up, while favorites and comments, whose foreign
            # keys only take a key-share lock, go on.
            query = query.with_for_update(key_share=True)
        article: Article | None = self._one_or_none(query)
        return article


class SqlAlchemyCommentRepository(_SessionRepository, CommentRepository):
    def add(self, comment: Comment) -> None:
        self._session.add(comment)
        with constraint_errors():
            self._session.flush()  # the database assigns the id now (and the article it needs is written first)

    def remove(self, comment: Comment) -> None:
        self._session.delete(comment)

    def find(self, comment_id: CommentId, *, article_id: ArticleId) -> Comment | None:
        comment: Comment | None = self._one_or_none(
            select(Comment).where(comments.c.id == comment_id, comments.c.article_id == article_id)
        )
        return comment


class SqlAlchemyFavoriteRepository(_SessionRepository, FavoriteRepository):
    def add(self, favorite: Favorite) -> None:
        with constraint_errors():
            self._session.execute(
                insert(favorites)
                .values(user_id=favorite.user_id, article_id=favorite.article_id, created_at=favorite.created_at)
                .on_conflict_do_nothing(index_elements=[favorites.c.user_id, favorites.c.article_id])
            )

    def remove(self, user_id: UserId, article_id: ArticleId) -> None:
        self._session.execute(
            delete(favorites).where(favorites.c.user_id == user_id, favorites.c.article_id == article_id)
        )
