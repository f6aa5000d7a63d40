"""API tests may ``import live_server`` (``tests/support``: a real server in a thread or a
process). ``tests/`` has no packages, so the directory goes on ``sys.path`` here, before the
test modules beside this file are imported."""

from __future__ import annotations

import sys
from pathlib import Path

SUPPORT = Path(__file__).resolve().parent.parent / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))
