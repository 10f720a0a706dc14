"""`Authorization: Token <jwt>` (or `Bearer <jwt>`) → the signed-in user's id."""

import asyncio
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from application.auth import Authenticate, SignedIn
from application.ports import TokenClaims
from application.views import AccountView
from domain.errors import Unauthenticated
from domain.ids import UserId
from entrypoints.container import Container
from entrypoints.logging import bind_user

SCHEMES = {"token", "bearer"}
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
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


class AuthUser:
    """A caller whose token is genuine: its signature and expiry are checked on arrival, on the event loop.

    Whether its sign-in session still holds (the account exists, the password has not changed elsewhere) takes a
    database read, made on first use of the identity, in the thread that runs the endpoint: one trip to the thread
    pool per request rather than two, each trip costing about as much CPU as a whole small request. The identity
    cannot be had unchecked: every property goes through the check.

    `writing`: the request's method may change something (anything but GET, HEAD, OPTIONS); with read replicas,
    the user then reads their own writes from the primary (UserQueries.check_session).
    """

    __slots__ = ("_authenticate", "_claims", "_signed_in", "_writing", "token")

    def __init__(self, token: str, claims: TokenClaims, authenticate: Authenticate, *, writing: bool) -> None:
        self.token, self._claims, self._authenticate, self._writing = token, claims, authenticate, writing
        self._signed_in: SignedIn | None = None

    @property
    def id(self) -> UserId:
        return self._checked().claims.user_id

    @property
    def session_id(self) -> str:
        return self._checked().claims.session_id

    @property
    def account(self) -> AccountView:
        return self._checked().account

    def _checked(self) -> SignedIn:
        if self._signed_in is None:
            if _on_event_loop():
                raise RuntimeError("a sign-in is checked from a `def` endpoint, never on the event loop")
            self._signed_in = self._authenticate.check(self._claims, writing=self._writing)
        return self._signed_in


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def get_container(request: Request) -> Container:  # async: no trip through the thread pool
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def _authenticate(header: str | None, container: Container, method: str) -> AuthUser | None:
    if header is None or not header.strip():
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in SCHEMES or not token:
        raise Unauthenticated(message="is invalid")
    authenticate = container.authenticate()
    claims = authenticate.read(token)
    bind_user(str(claims.user_id))  # every log line of this request names the user from here on
    return AuthUser(token, claims, authenticate, writing=method not in READ_ONLY_METHODS)


async def optional_user(
    request: Request, container: ContainerDep, header: Annotated[str | None, Depends(optional_authorization_header)]
) -> AuthUser | None:
    """Signed in or anonymous; a token that is present must be valid."""
    return _authenticate(header, container, request.method)


async def require_user(
    request: Request, container: ContainerDep, header: Annotated[str | None, Depends(authorization_header)]
) -> AuthUser:
    if (user := _authenticate(header, container, request.method)) is None:
        raise Unauthenticated(message="is missing")
    return user


OptionalUser = Annotated[AuthUser | None, Depends(optional_user)]
CurrentUser = Annotated[AuthUser, Depends(require_user)]
