"""The campaign's targets as data, and how far each scope is from them.

A target asks that a share of a whole (a unit's staff, a commune's adults) be reached by
the end of a day (+07:00). Progress is read at the deadline once it has passed (met or
missed), else now, with a projection to the deadline from the pace of the last 7 days —
an estimate, said to be one (letter 002 asks for figures "ước tính đến 31/12/2025")."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from hocvuso.domain.local_time import VIETNAM
from hocvuso.domain.rates import percent

Measure = Literal["staff_trained", "adults_participated"]
Status = Literal["met", "missed", "on_track", "behind", "unknown"]
PACE_DAYS = 7


@dataclass(frozen=True, slots=True)
class Target:
    key: str
    title: str  # as the letter puts it
    measure: Measure  # cbccvc certified / headcount, or adult learners / adult population
    goal_percent: int
    deadline: date  # by the end of this day, +07:00
    source: str
    kinds: tuple[str, ...]  # the scopes it applies to: province, unit, commune, village


# The letters' own targets; a commune's targets for its villages come with the village.
TARGETS = (
    Target(
        "cbccvc-peak-2025",
        "100% CBCCVC hoàn thành khóa học trong đợt cao điểm 10/10–10/11/2025",
        "staff_trained",
        100,
        date(2025, 11, 10),
        "letter 001",
        ("province", "unit"),
    ),
    Target(
        "cbccvc-2025-11-20",
        "100% CBCCVC được cấp chứng nhận trước ngày 20/11/2025",
        "staff_trained",
        100,
        date(2025, 11, 20),
        "letters 000, 003",
        ("province", "unit"),
    ),
    Target(
        "adults-2025",
        "Ít nhất 80% người dân trong độ tuổi trưởng thành tham gia trước 31/12/2025",
        "adults_participated",
        80,
        date(2025, 12, 31),
        "letter 001",
        ("commune",),
    ),
)


def deadline_end(deadline: date) -> datetime:
    """The last second of the deadline's day in Vietnam."""
    return datetime.combine(deadline + timedelta(days=1), time(), VIETNAM) - timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Progress:
    part: int  # at the deadline once passed, else now
    whole: int | None
    percent: float | None
    goal_people: int | None  # how many the goal needs
    gap: int | None  # how many more people are needed (0: met)
    days_left: int
    pace_per_day: float | None  # over the last 7 days (or since the campaign began)
    projected_part: int | None  # at the deadline, at that pace: an estimate
    projected_percent: float | None
    status: Status
    reason: str | None = None


def progress(
    target: Target,
    part: int,
    whole: int | None,
    part_before: int | None,
    pace_days: float,
    now: datetime,
    unknown: str = "",
) -> Progress:
    """`part` now (or at the deadline once passed); `part_before` `pace_days` days earlier
    (None: no history to take a pace from). `unknown`: why `whole` is None."""
    end = deadline_end(target.deadline)
    days_left = max(0, (target.deadline - now.astimezone(VIETNAM).date()).days)
    if whole is None or whole == 0:
        reason = unknown if whole is None else "the whole is 0"
        return Progress(
            part, whole, None, None, None, days_left, None, None, None, "unknown", reason
        )
    goal = math.ceil(whole * target.goal_percent / 100)
    gap = max(0, goal - part)
    share = percent(part, whole)
    if now > end:
        status: Status = "met" if gap == 0 else "missed"
        return Progress(part, whole, share, goal, gap, 0, None, None, None, status)
    pace = None if part_before is None or pace_days <= 0 else (part - part_before) / pace_days
    projected = None if pace is None else _projected(part, pace, end - now)
    return Progress(
        part,
        whole,
        share,
        goal,
        gap,
        days_left,
        None if pace is None else round(pace, 1),
        projected,
        None if projected is None else percent(projected, whole),
        _status(gap, goal, projected),
    )


def _projected(part: int, pace_per_day: float, left: timedelta) -> int:
    """Where `part` gets to in `left` at this pace: an estimate, rounded down."""
    return part + math.floor(pace_per_day * left.total_seconds() / 86_400)


def _status(gap: int, goal: int, projected: int | None) -> Status:
    """Before the deadline: met already, or on track or behind by the projection."""
    if gap == 0:
        return "met"
    if projected is None:
        return "unknown"
    return "on_track" if projected >= goal else "behind"
