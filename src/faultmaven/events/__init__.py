"""Usage events (append-only) and runbook feedback: what analytics are computed from."""
