"""Route for the tags in use."""

from fastapi import APIRouter

from entrypoints.http.auth import ContainerDep
from entrypoints.http.routing import ApiRoute
from entrypoints.http.schemas import JSONBytes, TagsResponse, tags_json

router = APIRouter(prefix="/api/tags", tags=["Tags"], route_class=ApiRoute)


@router.get("", response_model=TagsResponse, summary="Every tag in use, sorted")
def list_tags(container: ContainerDep) -> JSONBytes:
    return tags_json(container.list_tags()())
