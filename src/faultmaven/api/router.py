from fastapi import APIRouter

from faultmaven.api import accounts, analytics, cases, health, imports, jobs, runbooks

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(health.router)
api_router.include_router(cases.router)
api_router.include_router(runbooks.router)
api_router.include_router(jobs.router)
api_router.include_router(imports.router)
api_router.include_router(accounts.router)
api_router.include_router(analytics.router)
