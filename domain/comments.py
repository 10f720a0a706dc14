"""Comments on articles. Only their author may delete them."""

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from domain.errors import NotCommentAuthor
from domain.ids import ArticleId, CommentId, UserId
from domain.users import raise_if_invalid
from domain.validation import check_text

COMMENT_MAX_LENGTH: Final = 10_000


@dataclass(eq=False, kw_only=True)  # identity semantics: the id only exists once the comment is stored
class Comment:
    id: CommentId | None = None  # an integer in the API, assigned by the repository on `add`
    article_id: ArticleId
    author_id: UserId
    body: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def write(cls, *, article_id: ArticleId, author_id: UserId, body: str | None, now: datetime) -> "Comment":
        raise_if_invalid({"body": check_text(body, max_length=COMMENT_MAX_LENGTH)})
        assert body is not None
        return cls(article_id=article_id, author_id=author_id, body=body, created_at=now, updated_at=now)

    def ensure_author(self, user_id: UserId) -> None:
        if user_id != self.author_id:
            raise NotCommentAuthor()
