"""Routes for profiles and follows."""

from fastapi import APIRouter

from application.profiles import FollowCommand, GetProfileCommand
from entrypoints.http.auth import ContainerDep, CurrentUser, OptionalUser
from entrypoints.http.routing import ApiRoute
from entrypoints.http.schemas import UNAUTHORIZED, JSONBytes, ProfileResponse, error_responses, profile_json

router = APIRouter(prefix="/api/profiles", tags=["Profile"], route_class=ApiRoute)
ERRORS = error_responses({401: UNAUTHORIZED, 404: "No such profile"})
FOLLOW_ERRORS = error_responses({401: UNAUTHORIZED, 404: "No such profile", 422: "Cannot follow yourself"})


@router.get("/{username}", summary="Get a profile", response_model=ProfileResponse, responses=ERRORS)
def get_profile(username: str, viewer: OptionalUser, container: ContainerDep) -> JSONBytes:
    command = GetProfileCommand(username=username, viewer_id=viewer.id if viewer else None)
    return profile_json(container.get_profile()(command))


@router.post("/{username}/follow", summary="Follow a user", response_model=ProfileResponse, responses=FOLLOW_ERRORS)
def follow(username: str, user: CurrentUser, container: ContainerDep) -> JSONBytes:
    # Any request body is ignored: some clients send one (the classic Postman suite does).
    return profile_json(container.follow_user()(FollowCommand(follower_id=user.id, username=username)))


@router.delete("/{username}/follow", summary="Unfollow a user", response_model=ProfileResponse, responses=ERRORS)
def unfollow(username: str, user: CurrentUser, container: ContainerDep) -> JSONBytes:
    return profile_json(container.unfollow_user()(FollowCommand(follower_id=user.id, username=username)))
