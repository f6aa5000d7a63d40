"""Benchmark: a search's cosine scores (10k x 256 float32 matrix @ query vector, then the top
132 as ``EmbeddedVectorIndex.search`` takes them) with BLAS's default threads (the baseline)
and inside ``search.blas.single_blas_thread`` (what search does), interleaved in one process so
that load on the machine hits both alike. Prints p50 / p95 / mean ms and the ratios.

    PYTHONPATH=src .venv/bin/python bench/bench_vector_threads.py   # --rows N --repeat N
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_info

from faultmaven.search.blas import single_blas_thread


def _top(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    scores = matrix @ vector
    return np.argpartition(-scores, 131)[:132]


def _one_thread(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    with single_blas_thread():
        return _top(matrix, vector)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=2_000)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((args.rows, args.dim), dtype=np.float32)
    queries = rng.standard_normal((64, args.dim), dtype=np.float32)
    subjects: list[tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = [
        ("BLAS default threads (baseline)", _top),
        ("single_blas_thread (search)", _one_thread),
    ]
    for _name, run in subjects:  # warm-up
        for q in queries:
            run(matrix, q)
    times: dict[str, list[float]] = {name: [] for name, _ in subjects}
    for i in range(args.repeat):
        q = queries[i % len(queries)]
        for name, run in subjects[i % 2 :] + subjects[: i % 2]:
            t0 = time.perf_counter_ns()
            run(matrix, q)
            times[name].append((time.perf_counter_ns() - t0) / 1e6)
    blas = [(lib["internal_api"], lib["num_threads"]) for lib in threadpool_info()]
    print(f"{args.rows:,} x {args.dim} float32, {args.repeat} queries each; BLAS {blas}")
    print(f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    base = times[subjects[0][0]]
    print(f"{'subject':<34}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'p50 x':>7}{'mean x':>8}")
    for name, values in times.items():
        p50, p95 = statistics.median(values), np.percentile(values, 95)
        print(
            f"{name:<34}{p50:9.3f}{p95:9.3f}{statistics.fmean(values):9.3f}"
            f"{p50 / statistics.median(base):7.2f}"
            f"{statistics.fmean(values) / statistics.fmean(base):8.2f}"
        )


if __name__ == "__main__":
    main()
