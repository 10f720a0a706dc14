"""Routes for profiles and follows."""

from fastapi import APIRouter

from application.profiles import FollowCommand, GetProfileCommand
from entrypoints.http.auth import ContainerDep, CurrentUser, OptionalUser
from entrypoints.http.schemas import ErrorResponse, ProfileResponse

router = APIRouter(prefix="/api/profiles", tags=["Profile"])
NOT_FOUND = {404: {"model": ErrorResponse, "description": "No such profile"}}
UNAUTHORIZED = {401: {"model": ErrorResponse, "description": "Missing, invalid or expired token"}}


@router.get("/{username}", summary="Get a profile", responses={**NOT_FOUND, **UNAUTHORIZED})
def get_profile(username: str, viewer: OptionalUser, container: ContainerDep) -> ProfileResponse:
    command = GetProfileCommand(username=username, viewer_id=viewer.id if viewer else None)
    return ProfileResponse.of(container.get_profile()(command))


@router.post("/{username}/follow", summary="Follow a user", responses={**NOT_FOUND, **UNAUTHORIZED})
def follow(username: str, user: CurrentUser, container: ContainerDep) -> ProfileResponse:
    # Any request body is ignored: some clients send one (the classic Postman suite does).
    return ProfileResponse.of(container.follow_user()(FollowCommand(follower_id=user.id, username=username)))


@router.delete("/{username}/follow", summary="Unfollow a user", responses={**NOT_FOUND, **UNAUTHORIZED})
def unfollow(username: str, user: CurrentUser, container: ContainerDep) -> ProfileResponse:
    return ProfileResponse.of(container.unfollow_user()(FollowCommand(follower_id=user.id, username=username)))
