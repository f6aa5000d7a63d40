"""``single_blas_thread``: one BLAS thread inside, the previous setting restored by the last
holder out, also when holders overlap (concurrent searches)."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from faultmaven.search.blas import single_blas_thread


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_one_thread_inside_and_the_setting_restored_after_overlapping_holders() -> None:
    np.ones((4, 4)) @ np.ones(4)  # BLAS loaded
    if not _blas_threads():
        pytest.skip("numpy runs without a BLAS library threadpoolctl can see")
    with threadpool_limits(limits=2, user_api="blas"):
        before = set(_blas_threads())
        if before == {1}:
            pytest.skip("BLAS runs one thread here already (e.g. OPENBLAS_NUM_THREADS=1)")
        outer = single_blas_thread()
        inner = single_blas_thread()
        outer.__enter__()
        assert set(_blas_threads()) == {1}
        inner.__enter__()
        outer.__exit__(None, None, None)  # the first holder leaves while the other still runs
        assert set(_blas_threads()) == {1}
        inner.__exit__(None, None, None)
        assert set(_blas_threads()) == before
