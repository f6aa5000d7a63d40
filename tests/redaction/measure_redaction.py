"""Measure the redactor's detectors for unlabelled secrets (not a test: run it by hand).

    PYTHONPATH=src .venv/bin/python tests/redaction/measure_redaction.py [--show]

Prints, for the detectors of bare high-entropy tokens and of password phrases:

* the catch rate on planted random secrets of common shapes (seeded, reproducible), each
  planted alone on a line between lines of real text;
* every finding on real troubleshooting text (the false positives, ``--show`` lists them):
  the Hadoop JIRA bug reports of /work/shared/data/retrieval/hadoop-duplicates (real, CC BY
  4.0, see its SOURCE.md), the demo cases shipped in ``faultmaven/demo``, the seed design
  document, and the benign corpus of the unit tests;
* the time of the whole redactor on the demo cases (``redact_data``, as on every write), to
  compare with the same script run on an older checkout.

The numbers it printed are in the docstring of ``faultmaven.redaction``.
"""

from __future__ import annotations

import base64
import json
import random
import string
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from faultmaven.redaction import Redactor
from faultmaven.redaction._detectors import Detector, Text, engine

ROOT = Path(__file__).resolve().parents[2]
DATA = Path("/work/shared/data/retrieval/hadoop-duplicates/corpus.jsonl")
SEED = Path("/work/shared/seed")
DEMO = ROOT / "src" / "faultmaven" / "demo"
NEW_DETECTORS = ("_bare_detector", "_password_phrases")


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def real_lines() -> dict[str, list[str]]:
    sources: dict[str, list[str]] = {}
    if DATA.exists():
        sources["hadoop bug reports"] = [
            line
            for row in DATA.read_text().splitlines()
            for line in json.loads(row)["text"].splitlines()
            if line.strip()
        ]
    demo = [json.loads(path.read_text()) for path in sorted(DEMO.glob("*.json"))]
    sources["demo cases"] = [
        line for text in strings(demo) for line in text.splitlines() if line.strip()
    ]
    seed = [path.read_text() for path in sorted(SEED.glob("*.txt"))] if SEED.exists() else []
    sources["seed document"] = [line for text in seed for line in text.splitlines() if line]
    sys.path.insert(0, str(ROOT / "tests" / "redaction"))
    from test_redaction import BENIGN  # noqa: PLC0415 - the unit tests' benign corpus

    sources["unit-test benign corpus"] = [line for line in BENIGN.splitlines() if line.strip()]
    return sources


def planted(rnd: random.Random) -> dict[str, Callable[[], str]]:
    alnum = string.ascii_letters + string.digits
    return {
        "aws secret access key (40, base64)": lambda: base64.b64encode(rnd.randbytes(30)).decode(),
        "azure storage key (88, base64)": lambda: base64.b64encode(rnd.randbytes(64)).decode(),
        "url-safe token (43)": lambda: (
            base64.urlsafe_b64encode(rnd.randbytes(32)).decode().rstrip("=")
        ),
        "alphanumeric (32)": lambda: "".join(rnd.choice(alnum) for _ in range(32)),
        "alphanumeric (40)": lambda: "".join(rnd.choice(alnum) for _ in range(40)),
    }


def new_detectors() -> list[Detector]:
    found = [
        detect
        for detect in engine().secret_detectors
        if any(name in detect.__qualname__ for name in NEW_DETECTORS)
    ]
    return found


def findings(detectors: list[Detector], text: str) -> list[str]:
    scan = Text(text)
    return [text[s.start : s.end] for detect in detectors for s in detect(scan)]


def main() -> None:
    show = "--show" in sys.argv
    redactor = Redactor()
    rnd = random.Random(20250105)
    sources = real_lines()
    filler = sources.get("hadoop bug reports") or sources["demo cases"]
    print("Planted secrets (each alone on a line between two real lines), whole redactor:")
    for name, make in planted(rnd).items():
        caught = 0
        for _ in range(1000):
            secret = make()
            i = rnd.randrange(len(filler) - 1)
            text = f"{filler[i]}\n{secret}\n{filler[i + 1]}"
            caught += secret not in redactor.redact(text)[0]
        print(f"  {name:36} caught {caught}/1000")
    detectors = new_detectors()
    print(f"Findings of {', '.join(NEW_DETECTORS)} on real text (false positives):")
    for source, lines in sources.items():
        hits = [(line, value) for line in lines for value in findings(detectors, line)]
        print(f"  {source:28} {len(hits):4} on {len(lines)} lines")
        if show:
            for line, value in hits:
                print(f"      {value!r:50.50} in {line.strip()[:110]!r}")
    demo = [json.loads(path.read_text()) for path in sorted(DEMO.glob("*.json"))]
    redactor.redact_data(demo)
    best = float("inf")
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(50):
            for case in demo:
                redactor.redact_data(case)
        best = min(best, (time.perf_counter() - start) / 50)
    chars = sum(len(text) for text in strings(demo))
    print(f"redact_data on the {len(demo)} demo cases ({chars} chars): {best * 1000:.2f} ms")
    counts = Counter(kind for case in demo for kind in redactor.redact_data(case)[1].elements())
    print(f"  findings in the demo cases: {dict(counts)}")


if __name__ == "__main__":
    main()
