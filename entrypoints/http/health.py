"""Liveness and readiness probes, outside /api (for orchestrators and load balancers, not API clients)."""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from entrypoints.http.auth import ContainerDep
from entrypoints.http.errors import error_response
from entrypoints.http.schemas import error_responses

router = APIRouter(prefix="/health", tags=["Operations"])
READY_TIMEOUT_SECONDS = 2.0  # a healthy database answers in milliseconds; libpq waits at least 2 s to connect


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"


@router.get("/live", summary="The process is up")
def live() -> HealthResponse:
    return HealthResponse()


@router.get(
    "/ready",
    response_model=HealthResponse,
    summary="The service can answer requests: its database is reachable",
    responses=error_responses({503: "The database did not answer in time"}),
)
def ready(container: ContainerDep) -> HealthResponse | JSONResponse:
    if not container.database_probe().ping(READY_TIMEOUT_SECONDS):
        return error_response(503, {"database": ["is unavailable"]})
    return HealthResponse()
