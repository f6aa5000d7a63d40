from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from faultmaven import __version__

router = APIRouter(tags=["health"])
HEALTH_TIMEOUT_SECONDS = 2.0


class Health(BaseModel):
    status: str
    version: str
    database: str


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database cannot be reached."}},
)
def health(request: Request) -> Health | JSONResponse:
    """Liveness and database reachability. Never waits in line behind other requests: it uses a
    connection of its own (2 s at most)."""
    engine = request.app.state.health_engine
    dialect = engine.dialect.name
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means: not healthy
        body = Health(status="database unavailable", version=__version__, database=dialect)
        return JSONResponse(status_code=503, content=body.model_dump())
    return Health(status="ok", version=__version__, database=dialect)
