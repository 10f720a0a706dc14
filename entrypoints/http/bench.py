"""Ceiling routes for the benchmark (bench/run.py), mounted only when CONDUIT_BENCH_ROUTES is on.

They run through the same server configuration as the API (middleware, workers, thread pool, connection pool) and
the same means as its routes: a `def` route (one trip to the thread pool), a read through the driver on a pooled
connection (adapters/sqlalchemy/routing.py), a body encoded as the API's are (entrypoints/http/schemas.py). So the
API's throughput can be read as a fraction of what this stack can do at all.
"""

from fastapi import APIRouter
from pydantic import BaseModel
from pydantic_core import to_json
from sqlalchemy import literal_column, select

from adapters.sqlalchemy.routing import DriverRead
from entrypoints.http.auth import ContainerDep
from entrypoints.http.schemas import JSONBytes

router = APIRouter(prefix="/bench", tags=["Benchmark ceilings"], include_in_schema=False)
SELECT_ONE = DriverRead(select(literal_column("1").label("value")))


class Constant(BaseModel):
    ok: bool
    value: int


@router.get("/constant", response_model=Constant)
def constant() -> JSONBytes:
    return JSONBytes(to_json({"ok": True, "value": 1}))


@router.get("/select1", response_model=Constant)
def select_one(container: ContainerDep) -> JSONBytes:
    routing = container.read_routing()
    if routing is None:
        raise RuntimeError("the SELECT 1 ceiling needs a database")
    (row,) = routing.fetch(SELECT_ONE, {}, primary=True)
    return JSONBytes(to_json({"ok": True, "value": row.value}))
