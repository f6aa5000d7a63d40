"""/api/v1/jobs: slow work (LLM-written runbooks) to poll."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from faultmaven.api.deps import SessionDep
from faultmaven.api.routing import FaultMavenRoute
from faultmaven.jobs import service
from faultmaven.jobs.service import Job
from faultmaven.kit.fields import EntityId

router = APIRouter(prefix="/jobs", tags=["jobs"], route_class=FaultMavenRoute)


@router.get("/{job_id}", response_model=Job)
def get_job(job_id: Annotated[EntityId, Path()], session: SessionDep):
    """A job's status: queued, running, succeeded (with its result) or failed (with why)."""
    return service.get_job(session, job_id=job_id)
