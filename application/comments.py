"""Comments: add, list, delete."""

from dataclasses import dataclass

from application.ports import Clock, UnitOfWork
from application.queries import CommentQueries
from application.views import CommentView
from domain.comments import Comment
from domain.errors import ArticleNotFound, Unauthenticated
from domain.ids import CommentId, UserId


@dataclass(frozen=True, kw_only=True)
class AddCommentCommand:
    slug: str
    author_id: UserId
    body: str | None


class AddComment:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    def __call__(self, cmd: AddCommentCommand) -> CommentView:
        with self._uow as uow:
            article = uow.articles.get_by_slug(cmd.slug)
            comment = Comment.write(
                article_id=article.id, author_id=cmd.author_id, body=cmd.body, now=self._clock.now()
            )
            if (author := uow.users.find_by_id(cmd.author_id)) is None:
                raise Unauthenticated()
            uow.comments.add(comment)
            uow.commit()
        return CommentView.of_new(comment, author)


@dataclass(frozen=True, kw_only=True)
class ListCommentsCommand:
    slug: str
    viewer_id: UserId | None = None


class ListComments:
    def __init__(self, comments: CommentQueries) -> None:
        self._comments = comments

    def __call__(self, cmd: ListCommentsCommand) -> list[CommentView]:
        if (comments := self._comments.for_article(cmd.slug, viewer_id=cmd.viewer_id)) is None:
            raise ArticleNotFound()
        return comments


@dataclass(frozen=True, kw_only=True)
class DeleteCommentCommand:
    slug: str
    comment_id: CommentId
    user_id: UserId


class DeleteComment:
    """Only the comment's author may delete it."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: DeleteCommentCommand) -> None:
        with self._uow as uow:
            article = uow.articles.get_by_slug(cmd.slug, for_update=True)  # one delete at a time, article's too
            comment = uow.comments.get(cmd.comment_id, article_id=article.id)
            comment.ensure_author(cmd.user_id)
            uow.comments.remove(comment)
            uow.commit()
