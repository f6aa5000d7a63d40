"""One BLAS thread for the small matrix-vector products of a search.

A query's cosine scores are one matrix-vector product (10k x 256 floats: ~0.3 ms on one core).
OpenBLAS splits it over every core and spin-waits for the others, so on a busy machine (2 cores
shared with other processes, or an API server answering several requests) one product took
6-15 ms instead (bench/README.md, "Speed"). Inside ``single_blas_thread`` BLAS uses one thread.

The limit is process-wide (that is how BLAS libraries work), so concurrent searches share it:
the first one in sets it, the last one out restores the previous setting.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from threadpoolctl import ThreadpoolController

_lock = threading.Lock()
_holders = 0
_controller: ThreadpoolController | None = None
_limiter: Any = None  # threadpoolctl's limiter while any search holds the limit


@contextmanager
def single_blas_thread() -> Iterator[None]:
    global _holders, _controller, _limiter
    with _lock:
        if _holders == 0:
            if _controller is None:
                _controller = ThreadpoolController()  # ~1.5 ms, once per process
            _limiter = _controller.limit(limits=1, user_api="blas")
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None
