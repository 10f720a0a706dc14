"""The SQL unit of work: one session, one transaction, constraint violations turned into domain errors."""

from typing import Self

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from adapters.sqlalchemy.constraints import constraint_errors
from adapters.sqlalchemy.repositories import (
    SqlAlchemyArticleRepository,
    SqlAlchemyCommentRepository,
    SqlAlchemyFavoriteRepository,
    SqlAlchemyFollowRepository,
    SqlAlchemyUserRepository,
)
from application.ports import UnitOfWork
from domain.errors import ArticleNotFound


class SqlAlchemyUnitOfWork(UnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self._session = self._session_factory()  # a fresh session per block: never shared between requests
        self.users = SqlAlchemyUserRepository(self._session)
        self.follows = SqlAlchemyFollowRepository(self._session)
        self.articles = SqlAlchemyArticleRepository(self._session)
        self.comments = SqlAlchemyCommentRepository(self._session)
        self.favorites = SqlAlchemyFavoriteRepository(self._session)
        return super().__enter__()

    def __exit__(self, *exc_info: object) -> None:
        try:
            super().__exit__(*exc_info)
        finally:
            self._session.close()

    def commit(self) -> None:
        try:
            with constraint_errors():
                self._session.commit()
        except StaleDataError as exc:
            # Safety net: an UPDATE or DELETE found its row gone. Writers lock what they change (for_update),
            # so only a row deleted by another request gets here.
            self._session.rollback()
            raise ArticleNotFound() from exc
        except Exception:
            self._session.rollback()
            raise

    def rollback(self) -> None:
        self._session.rollback()
