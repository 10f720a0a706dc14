"""Imperative mappings: the domain classes stay plain; SQLAlchemy instruments them here, once."""

from sqlalchemy.orm import registry

from adapters.sqlalchemy.tables import articles, comments, metadata, users
from domain.articles import Article
from domain.comments import Comment
from domain.users import User

mapper_registry = registry(metadata=metadata)
_started = False


def start_mappers() -> None:
    """Idempotent; called by the composition root and by integration fixtures only."""
    global _started  # noqa: PLW0603 - mapping is process-wide by nature
    if _started:
        return
    mapper_registry.map_imperatively(User, users)
    mapper_registry.map_imperatively(Article, articles)
    mapper_registry.map_imperatively(Comment, comments)
    # Follows and favorites are facts written with one idempotent INSERT ... ON CONFLICT (repositories.py),
    # which stays correct when two requests race; they are not mapped.
    _started = True


def stop_mappers() -> None:
    """Undo the instrumentation (test teardown)."""
    global _started  # noqa: PLW0603
    mapper_registry.dispose()
    _started = False


def mappers_started() -> bool:
    return _started
