"""Slow work (LLM calls) as jobs stored in the database and claimed by workers: a thread in
embedded mode, `faultmaven worker` processes for teams. API replicas stay stateless."""
