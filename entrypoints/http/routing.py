"""The route class of every API router."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from domain.errors import DomainError, Unauthenticated
from entrypoints.http.auth import signed_in_caller
from entrypoints.http.json_body import StrictJsonRequest


class ApiRoute(APIRoute):
    """JSON bodies parsed strictly (json_body.parse_json), and no answer on an unconfirmed sign-in.

    A signed-in request that only reads has its session check carried by its endpoint's first read (auth.AuthUser).
    When no read carried it (the endpoint refused its input before reading, say), the check is made here, before
    the answer goes out, an error answer included: a revoked sign-in gets its 401 whatever else the request did.
    A server error (the database down) goes out as it is: it tells nothing, and a check would only wait again.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def api_handler(request: Request) -> Response:
            try:
                response = await handler(StrictJsonRequest(request.scope, request.receive))
            except Unauthenticated:
                raise
            except DomainError:
                await _confirm_sign_in(request.scope)
                raise
            await _confirm_sign_in(request.scope)
            return response

        return api_handler


async def _confirm_sign_in(scope: Scope) -> None:
    if (caller := signed_in_caller(scope)) is None:
        return
    if caller.unconfirmed:
        await run_in_threadpool(caller.confirm)  # a read of the database
    else:
        caller.confirm()  # settled or never deferred: no I/O; refuses again a sign-in its read refused
