from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from faultmaven import __version__
from faultmaven.api.routing import FaultMavenRoute

router = APIRouter(tags=["health"], route_class=FaultMavenRoute)
HEALTH_TIMEOUT_SECONDS = 2.0
HEALTH_CONNECTIONS = 2


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    version: str
    database: str = Field(description="sqlite or postgresql.")
    database_status: Literal["ok", "busy", "unreachable"] = Field(
        description="busy: the health check's own connections were all in use for 2 s (the "
        "server is loaded, not broken)."
    )


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database cannot be reached."}},
)
def health(request: Request) -> Health | JSONResponse:
    """Liveness and database reachability. Never waits in line behind other requests: it has
    connections of its own."""
    engine = request.app.state.health_engine
    database_status: Literal["ok", "busy", "unreachable"] = "ok"
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except PoolTimeout:
        database_status = "busy"
    except Exception:  # noqa: BLE001 - any other failure: the database cannot be used
        database_status = "unreachable"
    answer = Health(
        status="unavailable" if database_status == "unreachable" else "ok",
        version=__version__,
        database=engine.dialect.name,
        database_status=database_status,
    )
    if answer.status == "unavailable":
        return JSONResponse(status_code=503, content=answer.model_dump())
    return answer
