from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker


class RecordingSessionmaker(sessionmaker[Session]):
    """A session factory that keeps the sessions it made, so a test can reach the one inside a unit of work."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(bind=engine, expire_on_commit=False)
        self.sessions: list[Session] = []

    def __call__(self, **local_kw: Any) -> Session:
        session = super().__call__(**local_kw)
        self.sessions.append(session)
        return session

    @property
    def last(self) -> Session:
        return self.sessions[-1]


@pytest.fixture
def session_factory(mappers: None, clean_database: Engine) -> RecordingSessionmaker:
    return RecordingSessionmaker(clean_database)
