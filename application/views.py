"""What use cases return: plain, immutable data, never a mapped entity."""

from dataclasses import dataclass
from datetime import datetime

from domain.articles import Article
from domain.comments import Comment
from domain.ids import CommentId
from domain.users import User


@dataclass(frozen=True, slots=True)
class AccountView:
    """The signed-in user's own account, as the user endpoints show it (with a token added)."""

    email: str
    username: str
    bio: str | None
    image: str | None


@dataclass(frozen=True, slots=True)
class UserView:
    email: str
    token: str
    username: str
    bio: str | None
    image: str | None

    @classmethod
    def of(cls, user: User, token: str) -> "UserView":
        return cls(email=user.email, token=token, username=user.username, bio=user.bio, image=user.image)

    @classmethod
    def of_account(cls, account: AccountView, token: str) -> "UserView":
        return cls(email=account.email, token=token, username=account.username, bio=account.bio, image=account.image)


@dataclass(frozen=True, slots=True)
class SessionCheck:
    """Whether a stored account still accepts a sign-in session, and the account itself."""

    accepted: bool
    account: AccountView


@dataclass(frozen=True, slots=True)
class ProfileView:
    username: str
    bio: str | None
    image: str | None
    following: bool

    @classmethod
    def of(cls, user: User, *, following: bool) -> "ProfileView":
        return cls(username=user.username, bio=user.bio, image=user.image, following=following)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleView:
    slug: str
    title: str
    description: str
    body: str | None  # None in lists, which leave the body out
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    favorited: bool
    favorites_count: int
    author: ProfileView

    @classmethod
    def of_new(cls, article: Article, author: User) -> "ArticleView":
        """A just-written article: nobody has favorited it yet, and authors do not follow themselves."""
        return cls(
            slug=article.slug,
            title=article.title,
            description=article.description,
            body=article.body,
            tags=tuple(article.tags),
            created_at=article.created_at,
            updated_at=article.updated_at,
            favorited=False,
            favorites_count=0,
            author=ProfileView.of(author, following=False),
        )


@dataclass(frozen=True, slots=True)
class ArticlePage:
    articles: tuple[ArticleView, ...]
    count: int  # every match, ignoring limit and offset


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentView:
    id: CommentId
    body: str
    created_at: datetime
    updated_at: datetime
    author: ProfileView

    @classmethod
    def of_new(cls, comment: Comment, author: User) -> "CommentView":
        assert comment.id is not None, "a stored comment has an id"
        return cls(
            id=comment.id,
            body=comment.body,
            created_at=comment.created_at,
            updated_at=comment.updated_at,
            author=ProfileView.of(author, following=False),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class UserSummaryView:
    """An account as an operator lists it: never the password hash, never a token."""

    username: str
    email: str
    bio: str | None
    image: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UserPage:
    users: tuple[UserSummaryView, ...]
    count: int  # every account, ignoring limit and offset


@dataclass(frozen=True, slots=True, kw_only=True)
class RemovedArticleView:
    """What an operator took down."""

    slug: str
    title: str
    author: str | None  # username; None only if the author vanished meanwhile
