from fastapi import APIRouter

from faultmaven.api import (
    accounts,
    analytics,
    cases,
    health,
    imports,
    jobs,
    recurring,
    runbooks,
    sessions,
    users,
)

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(health.router)
api_router.include_router(cases.router)
api_router.include_router(runbooks.router)
api_router.include_router(jobs.router)
api_router.include_router(imports.router)
api_router.include_router(accounts.router)
api_router.include_router(sessions.router)
api_router.include_router(users.router)
api_router.include_router(recurring.router)
api_router.include_router(analytics.router)
