"""Targets: the gap in people, days left, a projection from the week's pace, and the
figure at the deadline once it has passed."""

from __future__ import annotations

from datetime import date, datetime

from hocvuso.domain.local_time import VIETNAM
from hocvuso.domain.targets import TARGETS, Target, deadline_end, progress

ADULTS = Target(
    "t", "80% adults", "adults_participated", 80, date(2025, 12, 31), "letter 001", ("commune",)
)


def test_before_the_deadline_the_gap_days_left_and_a_projection_from_the_weeks_pace() -> None:
    now = datetime(2025, 12, 1, 12, 0, tzinfo=VIETNAM)
    got = progress(ADULTS, part=500, whole=1000, part_before=360, pace_days=7, now=now)
    assert (got.goal_people, got.gap, got.days_left, got.percent) == (800, 300, 30, 50.0)
    assert got.pace_per_day == 20.0
    # 30.5 days (less a second) to the end of 31/12 at 20 a day: 609 more, rounded down.
    assert (got.projected_part, got.projected_percent, got.status) == (1109, 110.9, "on_track")
    slow = progress(ADULTS, part=500, whole=1000, part_before=490, pace_days=7, now=now)
    assert slow.status == "behind" and slow.projected_part is not None
    assert slow.projected_part < 800


def test_after_the_deadline_the_figure_then_is_met_or_missed_without_a_projection() -> None:
    after = datetime(2026, 1, 5, tzinfo=VIETNAM)
    missed = progress(ADULTS, part=700, whole=1000, part_before=650, pace_days=7, now=after)
    assert (missed.status, missed.gap, missed.days_left, missed.projected_part) == (
        "missed",
        100,
        0,
        None,
    )
    met = progress(ADULTS, part=800, whole=1000, part_before=650, pace_days=7, now=after)
    assert (met.status, met.gap) == ("met", 0)


def test_an_unknown_whole_gives_no_figure_and_says_why() -> None:
    now = datetime(2025, 12, 1, tzinfo=VIETNAM)
    got = progress(ADULTS, 5, None, 0, 7, now, unknown="adult population not entered")
    assert (got.status, got.percent, got.gap) == ("unknown", None, None)
    assert got.reason == "adult population not entered"


def test_the_letters_targets_and_their_deadlines_end_of_day_in_vietnam() -> None:
    assert {t.key: t.goal_percent for t in TARGETS} == {
        "cbccvc-peak-2025": 100,
        "cbccvc-2025-11-20": 100,
        "adults-2025": 80,
    }
    assert deadline_end(date(2025, 11, 20)).isoformat() == "2025-11-20T23:59:59+07:00"
