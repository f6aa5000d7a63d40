"""The server's access log without query strings: search text (``?q=...``) is user data, and a
log line is no place for it."""

from __future__ import annotations

import copy
import logging
from typing import Any


class DropQueryString(logging.Filter):
    """Rewrites uvicorn's access record (client, method, path with query, HTTP version, status)
    to carry the path alone."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, str(path).partition("?")[0], version, status)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration, with :class:`DropQueryString` on its access log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"drop_query_string": {"()": DropQueryString}}
    config["loggers"]["uvicorn.access"]["filters"] = ["drop_query_string"]
    return config
