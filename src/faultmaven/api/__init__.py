"""Thin REST routers under /api/v1: parse, call a service, shape the answer."""
