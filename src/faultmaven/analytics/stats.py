"""Pure arithmetic of the reports: Wilson intervals, comparisons, freshness."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from faultmaven.analytics.schemas import (
    MIN_CASES,
    STALE_AFTER_DAYS,
    Comparison,
    Median,
    SuccessRate,
)

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (95% by default); None without trials."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - margin), min(1.0, centre + margin)


def success_rate(solved: int, partly: int, not_helpful: int) -> SuccessRate:
    answers = solved + partly + not_helpful
    interval = wilson(solved, answers)
    return SuccessRate(
        solved=solved,
        partly=partly,
        not_helpful=not_helpful,
        answers=answers,
        rate=round(solved / answers, 4) if answers else None,
        low=round(interval[0], 4) if interval else None,
        high=round(interval[1], 4) if interval else None,
    )


def median(value: float | None, count: int) -> Median:
    shown = round(value, 2) if value is not None and count >= MIN_CASES else None
    return Median(median_minutes=shown, count=count)


def comparison(with_: Median, without: Median) -> Comparison:
    difference = None
    if with_.median_minutes is not None and without.median_minutes is not None:
        difference = round(without.median_minutes - with_.median_minutes, 2)
    return Comparison(with_runbook=with_, without_runbook=without, difference_minutes=difference)


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def staleness(
    *, review_by: date | None, last_edited: datetime, last_reviewed: datetime | None, now: datetime
) -> str | None:
    """Why the runbook is stale, or None."""
    if review_by is not None:
        return (
            f"review-by date {review_by.isoformat()} has passed" if review_by < now.date() else None
        )
    latest = max(last_edited, last_reviewed or last_edited)
    if now - latest > timedelta(days=STALE_AFTER_DAYS):
        return f"not edited or reviewed in {STALE_AFTER_DAYS} days"
    return None
