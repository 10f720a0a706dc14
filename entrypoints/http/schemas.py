"""The RealWorld JSON envelopes. Requests are parsed here; rules on values live in the domain."""

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

from application.views import ArticlePage, ArticleView, CommentView, ProfileView, UserView


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and `Z`, as JavaScript's toISOString(): 2016-02-18T03:22:56.637Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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

    @classmethod
    def of(cls, view: UserView) -> "UserResponse":
        return cls(
            user=User(email=view.email, token=view.token, username=view.username, bio=view.bio, image=view.image)
        )


class Profile(BaseModel):
    username: str
    bio: str | None
    image: str | None
    following: bool


def _profile(view: ProfileView) -> Profile:
    return Profile(username=view.username, bio=view.bio, image=view.image, following=view.following)


class ProfileResponse(BaseModel):
    profile: Profile

    @classmethod
    def of(cls, view: ProfileView) -> "ProfileResponse":
        return cls(profile=_profile(view))


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

    @classmethod
    def fields_of(cls, view: ArticleView) -> dict[str, Any]:
        return {
            "slug": view.slug,
            "title": view.title,
            "description": view.description,
            "tag_list": list(view.tags),
            "created_at": view.created_at,
            "updated_at": view.updated_at,
            "favorited": view.favorited,
            "favorites_count": view.favorites_count,
            "author": _profile(view.author),
        }


class Article(ArticleListItem):
    body: str


class ArticleResponse(BaseModel):
    article: Article

    @classmethod
    def of(cls, view: ArticleView) -> "ArticleResponse":
        return cls(article=Article(body=view.body or "", **Article.fields_of(view)))


class MultipleArticlesResponse(_CamelCase):
    articles: list[ArticleListItem]
    articles_count: int

    @classmethod
    def of(cls, page: ArticlePage) -> "MultipleArticlesResponse":
        return cls(
            articles=[ArticleListItem(**ArticleListItem.fields_of(view)) for view in page.articles],
            articles_count=page.count,
        )


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

    @classmethod
    def of(cls, view: CommentView) -> "Comment":
        return cls(
            id=view.id,
            created_at=view.created_at,
            updated_at=view.updated_at,
            body=view.body,
            author=_profile(view.author),
        )


class CommentResponse(BaseModel):
    comment: Comment

    @classmethod
    def of(cls, view: CommentView) -> "CommentResponse":
        return cls(comment=Comment.of(view))


class MultipleCommentsResponse(BaseModel):
    comments: list[Comment]

    @classmethod
    def of(cls, views: list[CommentView]) -> "MultipleCommentsResponse":
        return cls(comments=[Comment.of(view) for view in views])


class TagsResponse(BaseModel):
    tags: list[str]


class ErrorResponse(BaseModel):
    """Every error: field (or resource) name → messages, e.g. `{"errors": {"email": ["can't be blank"]}}`."""

    errors: dict[str, list[str]] = Field(examples=[{"email": ["can't be blank"]}])


UNAUTHORIZED = "Missing, malformed, invalid or expired token"


def error_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error statuses a route can answer, all with the ErrorResponse body."""
    return {status: {"model": ErrorResponse, "description": text} for status, text in descriptions.items()}
