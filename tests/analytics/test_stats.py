"""The pure arithmetic of the reports, against values computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from faultmaven.analytics import stats
from faultmaven.analytics.schemas import Median
from faultmaven.events.schemas import needs_review


def test_wilson_interval() -> None:
    assert stats.wilson(0, 0) is None
    low, high = stats.wilson(0, 10)  # type: ignore[misc]
    assert low == 0.0 and round(high, 4) == 0.2775  # z²/(n+z²) = 3.8415/13.8415
    low, high = stats.wilson(10, 10)  # type: ignore[misc]
    assert round(low, 4) == 0.7225 and round(high, 4) == 1.0
    low, high = stats.wilson(2, 4)  # type: ignore[misc]
    assert round(low, 4) == 0.15 and round(high, 4) == 0.85


def test_no_median_under_five_cases_and_no_claim_without_both() -> None:
    assert stats.median(12.0, 4) == Median(median_minutes=None, count=4)
    assert stats.median(12.0, 5) == Median(median_minutes=12.0, count=5)
    assert stats.comparison(stats.median(10.0, 5), stats.median(30.0, 4)).difference_minutes is None
    assert stats.comparison(stats.median(10.0, 5), stats.median(30.0, 9)).difference_minutes == 20


def test_review_flag_needs_three_answers_and_a_majority() -> None:
    assert not needs_review(not_helpful=2, total=2)
    assert needs_review(not_helpful=2, total=3)
    assert not needs_review(not_helpful=2, total=4)  # half is not a majority
    assert needs_review(not_helpful=3, total=5)


def test_staleness() -> None:
    now = datetime(2026, 12, 4, tzinfo=UTC)
    edited = now - timedelta(days=10)
    assert stats.staleness(
        review_by=date(2026, 12, 1), last_edited=edited, last_reviewed=None, now=now
    )
    assert not stats.staleness(
        review_by=date(2026, 12, 31),
        last_edited=now - timedelta(days=400),
        last_reviewed=None,
        now=now,
    )
    old = now - timedelta(days=181)
    assert stats.staleness(review_by=None, last_edited=old, last_reviewed=None, now=now)
    assert not stats.staleness(
        review_by=None, last_edited=old, last_reviewed=now - timedelta(days=3), now=now
    )
