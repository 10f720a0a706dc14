"""Named constraints → domain errors. The names come from the naming convention in tables.py."""

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import IntegrityError

from domain.errors import (
    ArticleNotFound,
    CannotFollowSelf,
    DomainError,
    EmailTaken,
    ProfileNotFound,
    SlugTaken,
    Unauthenticated,
    UsernameTaken,
)

# A migration that renames a constraint must update this table (tests/integration cover each entry).
ERROR_BY_CONSTRAINT: dict[str, type[DomainError]] = {
    "uq_users_username": UsernameTaken,
    "uq_users_email_lower": EmailTaken,
    "uq_articles_slug": SlugTaken,
    "ck_follows_not_self": CannotFollowSelf,
    # A parent row vanished under a concurrent request: the signed-in account, or the article.
    "fk_follows_follower_id_users": Unauthenticated,
    "fk_follows_followee_id_users": ProfileNotFound,
    "fk_articles_author_id_users": Unauthenticated,
    "fk_comments_author_id_users": Unauthenticated,
    "fk_favorites_user_id_users": Unauthenticated,
    "fk_comments_article_id_articles": ArticleNotFound,
    "fk_favorites_article_id_articles": ArticleNotFound,
}


def domain_error_for(exc: IntegrityError) -> DomainError | None:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    error = ERROR_BY_CONSTRAINT.get(name) if name else None
    return error() if error else None


@contextlib.contextmanager
def constraint_errors() -> Iterator[None]:
    """Re-raise a violated named constraint as its domain error; anything else unchanged."""
    try:
        yield
    except IntegrityError as exc:
        if (error := domain_error_for(exc)) is None:
            raise
        raise error from exc
