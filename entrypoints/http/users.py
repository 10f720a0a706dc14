"""Routes for registration, login and the current user."""

from fastapi import APIRouter, Depends

from application.users import LoginCommand, RegisterUserCommand, UpdateUserCommand
from application.views import UserView
from domain.users import KEEP
from entrypoints.http.auth import ContainerDep, CurrentUser
from entrypoints.http.rate_limit import RATE_LIMITED, limit_login, limit_registration
from entrypoints.http.routing import ApiRoute
from entrypoints.http.schemas import (
    UNAUTHORIZED,
    JSONBytes,
    LoginUserRequest,
    NewUserRequest,
    UpdateUserRequest,
    UserResponse,
    error_responses,
    user_json,
)

router = APIRouter(prefix="/api", tags=["User and Authentication"], route_class=ApiRoute)
INVALID = "Invalid or missing fields"
TAKEN = "Username or email already taken"


@router.post(
    "/users",
    status_code=201,
    response_model=UserResponse,
    summary="Register",
    responses=error_responses({409: TAKEN, 422: INVALID}) | RATE_LIMITED,
    dependencies=[Depends(limit_registration)],  # before the body is validated: invalid attempts count too
)
def register(payload: NewUserRequest, container: ContainerDep) -> JSONBytes:
    user = payload.user
    command = RegisterUserCommand(username=user.username, email=user.email, password=user.password)
    return user_json(container.register_user()(command), status_code=201)


@router.post(
    "/users/login",
    response_model=UserResponse,
    summary="Log in",
    responses=error_responses({401: "Invalid credentials", 422: INVALID}) | RATE_LIMITED,
    dependencies=[Depends(limit_login)],  # before the body is validated: invalid attempts count too
)
def login(payload: LoginUserRequest, container: ContainerDep) -> JSONBytes:
    command = LoginCommand(email=payload.user.email, password=payload.user.password)
    return user_json(container.login()(command))


@router.get(
    "/user", response_model=UserResponse, summary="Get the current user", responses=error_responses({401: UNAUTHORIZED})
)
def current_user(user: CurrentUser) -> JSONBytes:
    # Checking the sign-in reads the account (application/auth.py): nothing more to fetch.
    return user_json(UserView.of_account(user.account, user.token))


@router.put(
    "/user",
    response_model=UserResponse,
    summary="Update the current user",
    responses=error_responses({401: UNAUTHORIZED, 409: TAKEN, 422: INVALID}),
)
def update_user(payload: UpdateUserRequest, user: CurrentUser, container: ContainerDep) -> JSONBytes:
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
    return user_json(container.update_user()(command))
