"""Route for the tags in use."""

from fastapi import APIRouter

from entrypoints.http.auth import ContainerDep
from entrypoints.http.json_body import StrictJsonRoute
from entrypoints.http.schemas import TagsResponse

router = APIRouter(prefix="/api/tags", tags=["Tags"], route_class=StrictJsonRoute)


@router.get("", summary="Every tag in use, sorted")
def list_tags(container: ContainerDep) -> TagsResponse:
    return TagsResponse(tags=container.list_tags()())
