"""`Authorization: Token <jwt>` (or `Bearer <jwt>`) → the signed-in user's id."""

import asyncio
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from starlette.types import Scope

from application.auth import Authenticate, DeferredCheck, SignedIn
from application.ports import TokenClaims
from application.views import AccountView
from domain.errors import Unauthenticated
from domain.ids import UserId
from entrypoints.container import Container
from entrypoints.logging import bind_user

SCHEMES = {"token", "bearer"}
AUTH_USER_STATE = "conduit.auth_user"
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
    database read, in the thread that runs the endpoint (one trip to the thread pool per request rather than two,
    each trip costing about as much CPU as a whole small request), and no answer goes out before it:
    - `writing` (any method but GET, HEAD, OPTIONS): checked at first use of the identity, before anything is
      written; with read replicas the user then reads their own writes from the primary (UserQueries.check_session);
    - a request that only reads pays no read of its own for it: the check rides on the endpoint's first read of the
      database (Authenticate.check_with_next_read; a round trip costs a loaded worker ~0.4 ms of CPU, half a small
      request), which refuses a revoked sign-in before it hands back a row; if no read carried it, the route makes the
      check before answering (ApiRoute, `confirm`).
    """

    __slots__ = ("_authenticate", "_claims", "_deferred", "_signed_in", "_writing", "token")

    def __init__(self, token: str, claims: TokenClaims, authenticate: Authenticate, *, writing: bool) -> None:
        self.token, self._claims, self._authenticate, self._writing = token, claims, authenticate, writing
        self._signed_in: SignedIn | None = None
        self._deferred: DeferredCheck | None = None

    @property
    def id(self) -> UserId:
        if self._signed_in is None and self._deferred is None and not self._writing:
            _refuse_on_event_loop()
            self._deferred = self._authenticate.check_with_next_read(self._claims)
        if self._deferred is not None:
            return self._claims.user_id
        return self._checked().claims.user_id

    @property
    def session_id(self) -> str:
        return self._checked().claims.session_id

    @property
    def account(self) -> AccountView:
        return self._checked().account

    @property
    def unconfirmed(self) -> bool:
        """The check was left to a read that has not happened (yet): `confirm` before answering."""
        return self._deferred is not None and not self._deferred.settled

    def confirm(self) -> None:
        """Refuses the request (Unauthenticated) unless its sign-in holds; checks it now if no read did."""
        if self._deferred is None:
            return  # checked at once, or never needed
        if not self._deferred.settled:
            _refuse_on_event_loop()
        self._deferred.confirm()

    def _checked(self) -> SignedIn:
        if self._signed_in is None:
            _refuse_on_event_loop()
            self._signed_in = self._authenticate.check(self._claims, writing=self._writing)
        return self._signed_in


def _refuse_on_event_loop() -> None:
    if _on_event_loop():
        raise RuntimeError("a sign-in is checked from a `def` endpoint, never on the event loop")


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


def _authenticate(header: str | None, container: Container, request: Request) -> AuthUser | None:
    if header is None or not header.strip():
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in SCHEMES or not token:
        raise Unauthenticated(message="is invalid")
    authenticate = container.authenticate()
    claims = authenticate.read(token)
    bind_user(str(claims.user_id))  # every log line of this request names the user from here on
    user = AuthUser(token, claims, authenticate, writing=request.method not in READ_ONLY_METHODS)
    request.scope.setdefault("state", {})[AUTH_USER_STATE] = user  # for ApiRoute, which confirms its sign-in
    return user


def signed_in_caller(scope: Scope) -> AuthUser | None:
    """The request's caller, once the auth dependency has read its token."""
    user: AuthUser | None = scope.get("state", {}).get(AUTH_USER_STATE)
    return user


async def optional_user(
    request: Request, container: ContainerDep, header: Annotated[str | None, Depends(optional_authorization_header)]
) -> AuthUser | None:
    """Signed in or anonymous; a token that is present must be valid."""
    return _authenticate(header, container, request)


async def require_user(
    request: Request, container: ContainerDep, header: Annotated[str | None, Depends(authorization_header)]
) -> AuthUser:
    if (user := _authenticate(header, container, request)) is None:
        raise Unauthenticated(message="is missing")
    return user


OptionalUser = Annotated[AuthUser | None, Depends(optional_user)]
CurrentUser = Annotated[AuthUser, Depends(require_user)]
