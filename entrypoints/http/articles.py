"""Routes for articles, the feed and favorites."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from application.articles import (
    CreateArticleCommand,
    DeleteArticleCommand,
    FeedArticlesCommand,
    GetArticleCommand,
    ListArticlesCommand,
    UpdateArticleCommand,
)
from application.favorites import FavoriteCommand
from application.paging import OFFSET_MAX, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX
from domain.users import KEEP
from entrypoints.http.auth import ContainerDep, CurrentUser, OptionalUser
from entrypoints.http.routing import ApiRoute
from entrypoints.http.schemas import (
    UNAUTHORIZED,
    ArticleResponse,
    JSONBytes,
    MultipleArticlesResponse,
    NewArticleRequest,
    UpdateArticleRequest,
    article_json,
    article_page_json,
    error_responses,
)

router = APIRouter(prefix="/api/articles", tags=["Articles"], route_class=ApiRoute)
NOT_FOUND = "No such article"
Limit = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=OFFSET_MAX, description="Articles to skip.")]


@router.get(
    "",
    response_model=MultipleArticlesResponse,
    summary="List articles, newest first",
    responses=error_responses({401: UNAUTHORIZED, 422: "Invalid filter or window"}),
)
def list_articles(
    *,
    viewer: OptionalUser,
    container: ContainerDep,
    tag: Annotated[str | None, Query(description="Only articles with this tag.")] = None,
    author: Annotated[str | None, Query(description="Only articles by this username.")] = None,
    favorited: Annotated[str | None, Query(description="Only articles favorited by this username.")] = None,
    limit: Limit = PAGE_SIZE_DEFAULT,
    offset: Offset = 0,
) -> JSONBytes:
    command = ListArticlesCommand(
        viewer_id=viewer.id if viewer else None,
        tag=tag or None,  # an empty filter (`?tag=`) filters nothing
        author=author or None,
        favorited_by=favorited or None,
        limit=limit,
        offset=offset,
    )
    return article_page_json(container.list_articles()(command))


@router.get(
    "/feed",
    response_model=MultipleArticlesResponse,
    summary="Articles by followed authors, newest first",
    responses=error_responses({401: UNAUTHORIZED, 422: "Invalid window"}),
)
def feed(user: CurrentUser, container: ContainerDep, limit: Limit = PAGE_SIZE_DEFAULT, offset: Offset = 0) -> JSONBytes:
    command = FeedArticlesCommand(viewer_id=user.id, limit=limit, offset=offset)
    return article_page_json(container.feed_articles()(command))


@router.post(
    "",
    status_code=201,
    response_model=ArticleResponse,
    summary="Create an article",
    responses=error_responses({401: UNAUTHORIZED, 422: "Invalid or missing fields"}),
)
def create_article(payload: NewArticleRequest, user: CurrentUser, container: ContainerDep) -> JSONBytes:
    article = payload.article
    command = CreateArticleCommand(
        author_id=user.id,
        title=article.title,
        description=article.description,
        body=article.body,
        tags=article.tag_list,
    )
    return article_json(container.create_article()(command), status_code=201)


@router.get(
    "/{slug}",
    response_model=ArticleResponse,
    summary="Get an article",
    responses=error_responses({401: UNAUTHORIZED, 404: NOT_FOUND}),
)
def get_article(slug: str, viewer: OptionalUser, container: ContainerDep) -> JSONBytes:
    command = GetArticleCommand(slug=slug, viewer_id=viewer.id if viewer else None)
    return article_json(container.get_article()(command))


@router.put(
    "/{slug}",
    response_model=ArticleResponse,
    summary="Update an article (author only)",
    responses=error_responses({401: UNAUTHORIZED, 403: "Not the author", 404: NOT_FOUND, 422: "Invalid fields"}),
)
def update_article(slug: str, payload: UpdateArticleRequest, user: CurrentUser, container: ContainerDep) -> JSONBytes:
    fields = payload.article
    given = fields.model_fields_set
    command = UpdateArticleCommand(
        slug=slug,
        editor_id=user.id,
        title=fields.title if "title" in given else KEEP,
        description=fields.description if "description" in given else KEEP,
        body=fields.body if "body" in given else KEEP,
        tags=fields.tag_list if "tag_list" in given else KEEP,
    )
    return article_json(container.update_article()(command))


@router.delete(
    "/{slug}",
    status_code=204,
    response_class=Response,
    summary="Delete an article (author only)",
    responses=error_responses({401: UNAUTHORIZED, 403: "Not the author", 404: NOT_FOUND}),
)
def delete_article(slug: str, user: CurrentUser, container: ContainerDep) -> None:
    container.delete_article()(DeleteArticleCommand(slug=slug, user_id=user.id))


@router.post(
    "/{slug}/favorite",
    response_model=ArticleResponse,
    summary="Favorite an article",
    responses=error_responses({401: UNAUTHORIZED, 404: NOT_FOUND}),
)
def favorite(slug: str, user: CurrentUser, container: ContainerDep) -> JSONBytes:
    return article_json(container.favorite_article()(FavoriteCommand(slug=slug, user_id=user.id)))


@router.delete(
    "/{slug}/favorite",
    response_model=ArticleResponse,
    summary="Unfavorite an article",
    responses=error_responses({401: UNAUTHORIZED, 404: NOT_FOUND}),
)
def unfavorite(slug: str, user: CurrentUser, container: ContainerDep) -> JSONBytes:
    return article_json(container.unfavorite_article()(FavoriteCommand(slug=slug, user_id=user.id)))
