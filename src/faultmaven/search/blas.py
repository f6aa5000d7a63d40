"""One BLAS thread for the small matrix-vector products of a search.

A query's cosine scores are one matrix-vector product (10k x 256 floats: ~0.3 ms on one core).
OpenBLAS splits it over every core and spin-waits for the others, so on a busy machine (2 cores
shared with other processes, or an API server answering several requests) one product took
6-15 ms instead (bench/README.md, "Speed"). Inside ``single_blas_thread`` BLAS uses one thread.

The limit is process-wide (that is how BLAS libraries work), so concurrent searches share it:
the first one in sets it, the last one out restores the previous setting.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from threadpoolctl import ThreadpoolController

from faultmaven.kit.holders import SharedSetting

_controller: ThreadpoolController | None = None


def _one_thread() -> Callable[[], None]:
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()  # ~1.5 ms, once per process
    limiter = _controller.limit(limits=1, user_api="blas")
    return limiter.restore_original_limits


_ONE_THREAD = SharedSetting(_one_thread)


def single_blas_thread() -> AbstractContextManager[None]:
    return _ONE_THREAD.held()
