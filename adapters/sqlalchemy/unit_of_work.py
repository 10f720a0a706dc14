"""The SQL unit of work: one session, one transaction, constraint violations turned into domain errors."""

from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from adapters.sqlalchemy.repositories import SqlAlchemyFollowRepository, SqlAlchemyUserRepository
from application.ports import UnitOfWork
from domain.errors import CannotFollowSelf, DomainError, EmailTaken, Unauthenticated, UsernameTaken

# The names come from the naming convention in tables.py; a migration that renames one must update this table.
ERROR_BY_CONSTRAINT: dict[str, type[DomainError]] = {
    "uq_users_username": UsernameTaken,
    "uq_users_email_lower": EmailTaken,
    "ck_follows_not_self": CannotFollowSelf,
    "fk_follows_follower_id_users": Unauthenticated,  # the signed-in account was deleted meanwhile
}


def error_for(exc: IntegrityError) -> DomainError | None:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    error = ERROR_BY_CONSTRAINT.get(name) if name else None
    return error() if error else None


class SqlAlchemyUnitOfWork(UnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self._session = self._session_factory()  # a fresh session per block: never shared between requests
        self.users = SqlAlchemyUserRepository(self._session)
        self.follows = SqlAlchemyFollowRepository(self._session)
        return super().__enter__()

    def __exit__(self, *exc_info: object) -> None:
        try:
            super().__exit__(*exc_info)
        finally:
            self._session.close()

    def commit(self) -> None:
        try:
            self._session.commit()
        except IntegrityError as exc:
            self._session.rollback()
            if (error := error_for(exc)) is None:
                raise
            raise error from exc

    def rollback(self) -> None:
        self._session.rollback()
