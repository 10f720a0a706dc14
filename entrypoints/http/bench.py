"""Ceiling routes for the benchmark (bench/run.py), mounted only when CONDUIT_BENCH_ROUTES is on.

They run through the same server configuration as the API (middleware, workers, thread pool, connection pool),
so the API's throughput can be read as a fraction of what this stack can do at all.
"""

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from entrypoints.http.auth import ContainerDep

router = APIRouter(prefix="/bench", tags=["Benchmark ceilings"], include_in_schema=False)


class Constant(BaseModel):
    ok: bool
    value: int


@router.get("/constant")
def constant() -> Constant:
    return Constant(ok=True, value=1)


@router.get("/select1")
def select_one(container: ContainerDep) -> Constant:
    with container.engine().connect() as connection:
        value = connection.execute(text("SELECT 1")).scalar_one()
    return Constant(ok=True, value=value)
