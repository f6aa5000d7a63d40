"""Python's cyclic garbage collector paused during a burst of allocation.

A request that builds thousands of records (the recurring-problems report reads every resolved
case of its window: 5,000 cases are ~1M Python objects) makes the collector run its full
(oldest-generation) pass several times, and each pass walks every live object, the records
being built included: at 5,000 cases 4 passes took half of the report (1.1 of 2.4 s,
bench/README.md, "Recurring problems: speed"). The records are freed by reference counting
when the request ends; the collector resumes then and finds the heap back to its usual size.

Process-wide (that is how ``gc`` works): concurrent holders share the pause, the first in
pauses the collector, the last out resumes it (unless it was off before).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _holders, _resume
    with _lock:
        if _holders == 0:
            _resume = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _resume:
                gc.enable()
