"""``collector_paused``: the cyclic garbage collector is off inside, back on after the last of
overlapping holders leaves, and left off if it was off before."""

from __future__ import annotations

import gc

from faultmaven.kit.collector import collector_paused


def test_paused_inside_and_resumed_by_the_last_holder_out() -> None:
    assert gc.isenabled()
    outer, inner = collector_paused(), collector_paused()
    outer.__enter__()
    assert not gc.isenabled()
    inner.__enter__()
    outer.__exit__(None, None, None)  # the first holder leaves while the other still runs
    assert not gc.isenabled()
    inner.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
