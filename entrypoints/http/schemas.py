"""The RealWorld JSON envelopes. Requests are parsed here; rules on values live in the domain.

Responses are documented by the models below and written by the encoders at the end of this module: views go
straight to JSON bytes (plain dicts through pydantic-core's Rust encoder), with no model built and validated per
article on the way. That halves the cost of a page of articles. tests/unit/http/test_encoding.py holds every
encoder to its model: same keys, same values, valid against the model.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

import pydantic_core
from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

from application.views import ArticlePage, ArticleView, CommentView, ProfileView, UserView


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and `Z`, as JavaScript's toISOString(): 2016-02-18T03:22:56.637Z.

    Cut from the plain `isoformat()` (`…:56.637000+00:00`, or `…:56+00:00` on a whole second): asking it for
    milliseconds costs twice as much, and a page of articles formats forty of these."""
    utc = moment.astimezone(UTC)
    text = utc.isoformat()
    return f"{text[:23]}Z" if utc.microsecond else f"{text[:19]}.000Z"


Timestamp = Annotated[
    datetime, PlainSerializer(format_timestamp, return_type=str), Field(examples=["2016-02-18T03:22:56.637Z"])
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _CamelCase(BaseModel):
    """Python names in snake_case, JSON names in the spec's camelCase (`tagList`, `createdAt`, ...)."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True)


class NewUser(_Request):
    username: str
    email: str
    password: str


class NewUserRequest(_Request):
    user: NewUser


class LoginUser(_Request):
    email: str
    password: str


class LoginUserRequest(_Request):
    user: LoginUser


class UpdateUser(_Request):
    """Partial update: absent fields are kept. `null` clears bio or image and is refused for the others."""

    email: str | None = None
    username: str | None = None
    password: str | None = None
    bio: str | None = None
    image: str | None = None


class UpdateUserRequest(_Request):
    user: UpdateUser


class User(BaseModel):
    email: str
    token: str
    username: str
    bio: str | None
    image: str | None


class UserResponse(BaseModel):
    user: User


class Profile(BaseModel):
    username: str
    bio: str | None
    image: str | None
    following: bool


class ProfileResponse(BaseModel):
    profile: Profile


class NewArticle(_Request, _CamelCase):
    title: str
    description: str
    body: str
    tag_list: list[str] = []


class NewArticleRequest(_Request):
    article: NewArticle


class UpdateArticle(_Request, _CamelCase):
    """Partial update: absent fields are kept; `tagList: []` clears the tags, `tagList: null` is refused."""

    title: str | None = None
    description: str | None = None
    body: str | None = None
    tag_list: list[str] | None = None


class UpdateArticleRequest(_Request):
    article: UpdateArticle


class ArticleListItem(_CamelCase):
    """An article in a list: everything but the body."""

    slug: str
    title: str
    description: str
    tag_list: list[str]
    created_at: Timestamp
    updated_at: Timestamp
    favorited: bool
    favorites_count: int
    author: Profile


class Article(ArticleListItem):
    body: str


class ArticleResponse(BaseModel):
    article: Article


class MultipleArticlesResponse(_CamelCase):
    articles: list[ArticleListItem]
    articles_count: int


class NewComment(_Request):
    body: str


class NewCommentRequest(_Request):
    comment: NewComment


class Comment(_CamelCase):
    id: int
    created_at: Timestamp
    updated_at: Timestamp
    body: str
    author: Profile


class CommentResponse(BaseModel):
    comment: Comment


class MultipleCommentsResponse(BaseModel):
    comments: list[Comment]


class TagsResponse(BaseModel):
    tags: list[str]


class ErrorResponse(BaseModel):
    """Every error: field (or resource) name → messages, e.g. `{"errors": {"email": ["can't be blank"]}}`."""

    errors: dict[str, list[str]] = Field(examples=[{"email": ["can't be blank"]}])


UNAUTHORIZED = "Missing, malformed, invalid or expired token"


def error_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error statuses a route can answer, all with the ErrorResponse body."""
    return {status: {"model": ErrorResponse, "description": text} for status, text in descriptions.items()}


# --- Encoders: views → JSON bytes, in the shapes of the models above ---------------------------------------------


class JSONBytes(Response):
    """An already encoded JSON body: FastAPI passes a Response through untouched."""

    media_type = "application/json"


def _json(content: dict[str, Any], status_code: int = 200) -> JSONBytes:
    return JSONBytes(pydantic_core.to_json(content), status_code=status_code)


def _profile(view: ProfileView) -> dict[str, Any]:
    return {"username": view.username, "bio": view.bio, "image": view.image, "following": view.following}


def _article(view: ArticleView) -> dict[str, Any]:
    return {
        "slug": view.slug,
        "title": view.title,
        "description": view.description,
        "tagList": view.tags,
        "createdAt": format_timestamp(view.created_at),
        "updatedAt": format_timestamp(view.updated_at),
        "favorited": view.favorited,
        "favoritesCount": view.favorites_count,
        "author": _profile(view.author),
    }


def _comment(view: CommentView) -> dict[str, Any]:
    return {
        "id": view.id,
        "createdAt": format_timestamp(view.created_at),
        "updatedAt": format_timestamp(view.updated_at),
        "body": view.body,
        "author": _profile(view.author),
    }


def user_json(view: UserView, status_code: int = 200) -> JSONBytes:
    """UserResponse."""
    user = {"email": view.email, "token": view.token, "username": view.username, "bio": view.bio, "image": view.image}
    return _json({"user": user}, status_code)


def profile_json(view: ProfileView) -> JSONBytes:
    """ProfileResponse."""
    return _json({"profile": _profile(view)})


def article_json(view: ArticleView, status_code: int = 200) -> JSONBytes:
    """ArticleResponse: the article with its body."""
    return _json({"article": {**_article(view), "body": view.body or ""}}, status_code)


def article_page_json(page: ArticlePage) -> JSONBytes:
    """MultipleArticlesResponse: the articles without their bodies."""
    return _json({"articles": [_article(view) for view in page.articles], "articlesCount": page.count})


def comment_json(view: CommentView, status_code: int = 200) -> JSONBytes:
    """CommentResponse."""
    return _json({"comment": _comment(view)}, status_code)


def comments_json(views: list[CommentView]) -> JSONBytes:
    """MultipleCommentsResponse."""
    return _json({"comments": [_comment(view) for view in views]})


_last_tags: tuple[tuple[str, ...], bytes] = ((), b'{"tags":[]}')


def tags_json(tags: tuple[str, ...]) -> JSONBytes:
    """TagsResponse. Every tag in use may be tens of thousands: the body of the last tuple seen is kept, and the
    SQL adapter hands out the very same tuple for as long as the set of tags holds (adapters/sqlalchemy/counts.py)."""
    global _last_tags  # noqa: PLW0603 - one slot, replaced whole: safe to read and write from any thread
    last, body = _last_tags
    if tags is not last:
        body = pydantic_core.to_json({"tags": tags})
        _last_tags = (tags, body)
    return JSONBytes(body)
