"""Routes for registration, login and the current user."""

from fastapi import APIRouter, Depends

from application.users import (
    GetCurrentUserCommand,
    LoginCommand,
    RegisterUserCommand,
    UpdateUserCommand,
)
from domain.users import KEEP
from entrypoints.http.auth import ContainerDep, CurrentUser
from entrypoints.http.json_body import StrictJsonRoute
from entrypoints.http.rate_limit import RATE_LIMITED, limit_login, limit_registration
from entrypoints.http.schemas import (
    UNAUTHORIZED,
    LoginUserRequest,
    NewUserRequest,
    UpdateUserRequest,
    UserResponse,
    error_responses,
)

router = APIRouter(prefix="/api", tags=["User and Authentication"], route_class=StrictJsonRoute)
INVALID = "Invalid or missing fields"
TAKEN = "Username or email already taken"


@router.post(
    "/users",
    status_code=201,
    summary="Register",
    responses=error_responses({409: TAKEN, 422: INVALID}) | RATE_LIMITED,
    dependencies=[Depends(limit_registration)],  # before the body is validated: invalid attempts count too
)
def register(payload: NewUserRequest, container: ContainerDep) -> UserResponse:
    user = payload.user
    command = RegisterUserCommand(username=user.username, email=user.email, password=user.password)
    return UserResponse.of(container.register_user()(command))


@router.post(
    "/users/login",
    summary="Log in",
    responses=error_responses({401: "Invalid credentials", 422: INVALID}) | RATE_LIMITED,
    dependencies=[Depends(limit_login)],  # before the body is validated: invalid attempts count too
)
def login(payload: LoginUserRequest, container: ContainerDep) -> UserResponse:
    command = LoginCommand(email=payload.user.email, password=payload.user.password)
    return UserResponse.of(container.login()(command))


@router.get("/user", summary="Get the current user", responses=error_responses({401: UNAUTHORIZED}))
def current_user(user: CurrentUser, container: ContainerDep) -> UserResponse:
    command = GetCurrentUserCommand(user_id=user.id, token=user.token)
    return UserResponse.of(container.get_current_user()(command))


@router.put(
    "/user",
    summary="Update the current user",
    responses=error_responses({401: UNAUTHORIZED, 409: TAKEN, 422: INVALID}),
)
def update_user(payload: UpdateUserRequest, user: CurrentUser, container: ContainerDep) -> UserResponse:
    fields = payload.user
    given = fields.model_fields_set
    command = UpdateUserCommand(
        user_id=user.id,
        session_id=user.session_id,
        username=fields.username if "username" in given else KEEP,
        email=fields.email if "email" in given else KEEP,
        password=fields.password if "password" in given else KEEP,
        bio=fields.bio if "bio" in given else KEEP,
        image=fields.image if "image" in given else KEEP,
    )
    return UserResponse.of(container.update_user()(command))
