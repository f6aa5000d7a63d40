"""Work of a runtime that no request waits for: embedding what waits in the index outbox when a
search finds some there (a crash left it, or another process's drain failed)."""

from __future__ import annotations

import threading
from collections.abc import Callable


class BackgroundRunner:
    """Runs ``work`` in a thread of its own, one at a time: ``wake()`` starts it, or asks the
    running one to go once more when it is done; the thread ends when no one asked again."""

    def __init__(self, work: Callable[[], object], *, name: str) -> None:
        self._work = work
        self._name = name
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False

    def wake(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._again = True
                return
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the running work, if any (tests; shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._work()
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False
