"""Articles: what authors write. Tags belong to their article and are kept sorted; the slug follows the title."""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from domain.errors import InvalidInput, NotArticleAuthor
from domain.ids import ArticleId, UserId, new_article_id
from domain.users import KEEP, Change, raise_if_invalid
from domain.validation import BLANK, check_text

TITLE_MAX_LENGTH: Final = 255
DESCRIPTION_MAX_LENGTH: Final = 1_000
BODY_MAX_LENGTH: Final = 100_000
TAG_MAX_LENGTH: Final = 64
TAGS_PER_ARTICLE_MAX: Final = 20
SLUG_WORDS_MAX_LENGTH: Final = 80
SLUG_SUFFIX_LENGTH: Final = 12  # hex digits of the article id: unique slugs without a lookup
SLUG_MAX_LENGTH: Final = SLUG_WORDS_MAX_LENGTH + 1 + SLUG_SUFFIX_LENGTH
TIMESTAMP_RESOLUTION: Final = timedelta(milliseconds=1)  # what the API shows


def slugify(title: str, article_id: ArticleId) -> str:
    """`How to Train Your Dragon` → `how-to-train-your-dragon-4f1c2a9b0e3d`: readable, and unique by its suffix."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    words = words[:SLUG_WORDS_MAX_LENGTH].rstrip("-") or "article"
    return f"{words}-{article_id.hex[:SLUG_SUFFIX_LENGTH]}"


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Trimmed, without duplicates, sorted alphabetically (as the API returns them). Raises InvalidInput."""
    names = sorted({tag.strip() for tag in tags})
    problems = [error for name in names if (error := check_text(name, max_length=TAG_MAX_LENGTH, multiline=False))]
    if problems:
        raise InvalidInput({"tagList": [f"each tag {problems[0]}"]})
    if len(names) > TAGS_PER_ARTICLE_MAX:
        raise InvalidInput({"tagList": [f"is too long (maximum is {TAGS_PER_ARTICLE_MAX} tags)"]})
    return names


def _content_errors(
    title: Change[str | None], description: Change[str | None], body: Change[str | None]
) -> dict[str, str | None]:
    return {
        "title": None if title is KEEP else check_text(title, max_length=TITLE_MAX_LENGTH, multiline=False),
        "description": None if description is KEEP else check_text(description, max_length=DESCRIPTION_MAX_LENGTH),
        "body": None if body is KEEP else check_text(body, max_length=BODY_MAX_LENGTH),
    }


@dataclass(eq=False, kw_only=True)  # identity equality below; mapped classes must not be frozen
class Article:
    id: ArticleId = field(default_factory=new_article_id)
    author_id: UserId  # other aggregates by id only
    slug: str
    title: str
    description: str
    body: str
    tags: list[str] = field(default_factory=list)  # sorted, unique; replaced as a whole, never edited in place
    created_at: datetime
    updated_at: datetime

    @classmethod
    def write(
        cls,
        *,
        author_id: UserId,
        title: str | None,
        description: str | None,
        body: str | None,
        tags: Iterable[str] = (),
        now: datetime,
    ) -> "Article":
        raise_if_invalid(_content_errors(title, description, body))
        assert title is not None
        assert description is not None
        assert body is not None
        article_id = new_article_id()
        return cls(
            id=article_id,
            author_id=author_id,
            slug=slugify(title, article_id),
            title=title,
            description=description,
            body=body,
            tags=normalize_tags(tags),
            created_at=now,
            updated_at=now,
        )

    def ensure_author(self, user_id: UserId) -> None:
        if user_id != self.author_id:
            raise NotArticleAuthor()

    def edit(
        self,
        *,
        editor_id: UserId,
        now: datetime,
        title: Change[str | None] = KEEP,
        description: Change[str | None] = KEEP,
        body: Change[str | None] = KEEP,
        tags: Change[Iterable[str] | None] = KEEP,
    ) -> None:
        """Only the author edits. A new title moves the slug; `tags=[]` clears them, `None` is refused."""
        self.ensure_author(editor_id)
        errors = _content_errors(title, description, body)
        if tags is None:
            errors["tagList"] = BLANK
        raise_if_invalid(errors)
        new_tags = normalize_tags(tags) if tags is not KEEP and tags is not None else self.tags
        if title is not KEEP and title is not None and title != self.title:
            self.title, self.slug = title, slugify(title, self.id)
        if description is not KEEP and description is not None:
            self.description = description
        if body is not KEEP and body is not None:
            self.body = body
        self.tags = new_tags
        # Strictly later than before, as the API shows it: clients compare updatedAt with createdAt.
        self.updated_at = max(now, self.updated_at + TIMESTAMP_RESOLUTION)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Article) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)
