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
from collections.abc import Callable
from contextlib import AbstractContextManager

from faultmaven.kit.holders import SharedSetting


def _pause() -> Callable[[], None]:
    if not gc.isenabled():
        return lambda: None  # off already: left off
    gc.disable()
    return gc.enable


_PAUSED = SharedSetting(_pause)


def collector_paused() -> AbstractContextManager[None]:
    return _PAUSED.held()
