"""Identifiers. Users and articles get UUIDs made in the domain (known before any flush); comments get the
integers the API exposes, assigned by the store when the comment is added."""

import uuid
from typing import NewType

UserId = NewType("UserId", uuid.UUID)
ArticleId = NewType("ArticleId", uuid.UUID)
CommentId = NewType("CommentId", int)


def new_user_id() -> UserId:
    return UserId(uuid.uuid4())


def new_article_id() -> ArticleId:
    return ArticleId(uuid.uuid4())
