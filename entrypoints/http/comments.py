"""Routes for comments on an article."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from application.comments import AddCommentCommand, DeleteCommentCommand, ListCommentsCommand
from domain.ids import CommentId
from entrypoints.http.auth import ContainerDep, CurrentUser, OptionalUser
from entrypoints.http.routing import ApiRoute
from entrypoints.http.schemas import (
    UNAUTHORIZED,
    CommentResponse,
    JSONBytes,
    MultipleCommentsResponse,
    NewCommentRequest,
    comment_json,
    comments_json,
    error_responses,
)

router = APIRouter(prefix="/api/articles/{slug}/comments", tags=["Comments"], route_class=ApiRoute)
COMMENT_ID_MAX = 2**63 - 1  # the column is a bigint


@router.get(
    "",
    response_model=MultipleCommentsResponse,
    summary="Comments on an article, newest first",
    responses=error_responses({401: UNAUTHORIZED, 404: "No such article"}),
)
def list_comments(slug: str, viewer: OptionalUser, container: ContainerDep) -> JSONBytes:
    command = ListCommentsCommand(slug=slug, viewer_id=viewer.id if viewer else None)
    return comments_json(container.list_comments()(command))


@router.post(
    "",
    status_code=201,
    response_model=CommentResponse,
    summary="Comment on an article",
    responses=error_responses({401: UNAUTHORIZED, 404: "No such article", 422: "Invalid or missing body"}),
)
def add_comment(slug: str, payload: NewCommentRequest, user: CurrentUser, container: ContainerDep) -> JSONBytes:
    command = AddCommentCommand(slug=slug, author_id=user.id, body=payload.comment.body)
    return comment_json(container.add_comment()(command), status_code=201)


@router.delete(
    "/{comment_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a comment (its author only)",
    responses=error_responses(
        {401: UNAUTHORIZED, 403: "Not the comment's author", 404: "No such article or comment", 422: "Invalid id"}
    ),
)
def delete_comment(
    slug: str,
    comment_id: Annotated[int, Path(ge=1, le=COMMENT_ID_MAX)],
    user: CurrentUser,
    container: ContainerDep,
) -> None:
    command = DeleteCommentCommand(slug=slug, comment_id=CommentId(comment_id), user_id=user.id)
    container.delete_comment()(command)
