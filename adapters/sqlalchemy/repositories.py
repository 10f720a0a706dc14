"""Repositories over a SQLAlchemy session: aggregates in, aggregates out."""

from sqlalchemy import delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from adapters.sqlalchemy.tables import follows, users
from application.ports import FollowRepository, UserRepository
from domain.follows import Follow
from domain.ids import UserId
from domain.users import User


class SqlAlchemyUserRepository(UserRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: User) -> None:
        self._session.add(user)

    def find_by_id(self, user_id: UserId) -> User | None:
        return self._session.get(User, user_id)

    def find_by_username(self, username: str) -> User | None:
        return self._session.scalars(select(User).where(users.c.username == username)).one_or_none()

    def find_by_email(self, email: str) -> User | None:
        query = select(User).where(func.lower(users.c.email) == func.lower(email))
        return self._session.scalars(query).one_or_none()


class SqlAlchemyFollowRepository(FollowRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, follow: Follow) -> None:
        # One statement, idempotent even when two requests race to follow the same user.
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
        query = select(exists().where(follows.c.follower_id == follower_id, follows.c.followee_id == followee_id))
        return bool(self._session.scalar(query))
