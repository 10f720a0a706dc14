"""`Authorization: Token <jwt>` (or `Bearer <jwt>`) → the signed-in user's id."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from domain.errors import Unauthenticated
from domain.ids import UserId
from entrypoints.container import Container
from entrypoints.logging import bind_user

SCHEMES = {"token", "bearer"}
TOKEN_SCHEME = "Token"  # noqa: S105 - a scheme name, not a secret
# Same header; entrypoints/http/openapi.py documents routes using it as "token optional".
OPTIONAL_TOKEN_SCHEME = "OptionalToken"  # noqa: S105 - a scheme name, not a secret
authorization_header = APIKeyHeader(
    name="Authorization",
    scheme_name=TOKEN_SCHEME,
    description="`Token <jwt>`, the token returned by register or login (`Bearer <jwt>` is accepted too).",
    auto_error=False,
)
optional_authorization_header = APIKeyHeader(name="Authorization", scheme_name=OPTIONAL_TOKEN_SCHEME, auto_error=False)


@dataclass(frozen=True, slots=True)
class AuthUser:
    id: UserId
    token: str
    session_id: str


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def _authenticate(header: str | None, container: Container) -> AuthUser | None:
    if header is None or not header.strip():
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in SCHEMES or not token:
        raise Unauthenticated(message="is invalid")
    claims = container.authenticate()(token)
    user_id = claims.user_id
    bind_user(str(user_id))  # every log line of this request names the user from here on
    return AuthUser(id=user_id, token=token, session_id=claims.session_id)


def optional_user(
    container: ContainerDep, header: Annotated[str | None, Depends(optional_authorization_header)]
) -> AuthUser | None:
    """Signed in or anonymous; a token that is present must be valid."""
    return _authenticate(header, container)


def require_user(container: ContainerDep, header: Annotated[str | None, Depends(authorization_header)]) -> AuthUser:
    if (user := _authenticate(header, container)) is None:
        raise Unauthenticated(message="is missing")
    return user


OptionalUser = Annotated[AuthUser | None, Depends(optional_user)]
CurrentUser = Annotated[AuthUser, Depends(require_user)]
