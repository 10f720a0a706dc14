"""Read ports in SQL: one statement per answer, no aggregates loaded."""

from sqlalchemy import Engine, exists, false, select

from adapters.sqlalchemy.tables import follows, users
from application.queries import ProfileQueries
from application.views import ProfileView
from domain.ids import UserId


class SqlProfileQueries(ProfileQueries):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def find(self, username: str, *, viewer_id: UserId | None) -> ProfileView | None:
        following = (
            exists().where(follows.c.follower_id == viewer_id, follows.c.followee_id == users.c.id)
            if viewer_id is not None
            else false()
        )
        query = select(users.c.username, users.c.bio, users.c.image, following.label("following")).where(
            users.c.username == username
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        return ProfileView(**row._asdict()) if row else None
