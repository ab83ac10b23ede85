"""When an attempt may start and until when it takes answers, judged from event times.

Every verdict depends only on the course version's rules, the start times of the learner's
earlier attempts in the same pool and the moment of the request, all of which the event log
holds: an audit replaying `attempt.started` and `attempt.submitted` reaches the same
verdicts. Days are Vietnam's calendar days; an attempt counts from its start, whether it
was answered, graded or left to expire.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from hocvuso.domain.course import FINAL_POOL, Rules
from hocvuso.domain.local_time import VIETNAM, next_midnight
from hocvuso.domain.progress import RuleViolation


class NotNow(RuleViolation):
    """Refused at `now`, allowed from `available_at` (a cool-down or a daily limit)."""

    def __init__(self, reason: str, rule: str, now: datetime, available_at: datetime) -> None:
        super().__init__(reason, rule)
        self.available_at = available_at
        self.wait = available_at - now


def _what(pool: str) -> str:
    return "final exam" if pool == FINAL_POOL else f"quiz of topic {pool}"


def check_course_open(rules: Rules, version: str, now: datetime) -> None:
    if rules.closes_at is not None and now >= rules.closes_at:
        raise RuleViolation(
            f"course {version} closed at {rules.closes_at.isoformat()}", "course_closed"
        )


def check_start(rules: Rules, pool: str, earlier_starts: Iterable[datetime], now: datetime) -> None:
    """Refuse a start that comes too soon after the previous one in `pool`, or beyond the
    pool's attempts for today."""
    starts = sorted(earlier_starts)
    if starts and now < starts[-1] + rules.spacing:
        ready = starts[-1] + rules.spacing
        raise NotNow(
            f"attempts at the {_what(pool)} are {rules.minutes_between_attempts} minutes "
            f"apart; the next from {ready.astimezone(VIETNAM).isoformat()}",
            "attempt_cooldown",
            now,
            ready,
        )
    per_day = rules.attempts_per_day(pool)
    today = now.astimezone(VIETNAM).date()
    started_today = sum(1 for s in starts if s.astimezone(VIETNAM).date() == today)
    if per_day is not None and started_today >= per_day:
        tomorrow = next_midnight(now)
        raise NotNow(
            f"{per_day} attempts at the {_what(pool)} a day, all taken today; "
            f"the next from {tomorrow.isoformat()}",
            "daily_attempt_limit",
            now,
            tomorrow,
        )


def closes_at(rules: Rules, pool: str, started_at: datetime) -> datetime | None:
    """The moment an attempt stops taking answers (None: never)."""
    open_for = rules.open_for(pool)
    return None if open_for is None else started_at + open_for


def is_expired(rules: Rules, pool: str, started_at: datetime, now: datetime) -> bool:
    deadline = closes_at(rules, pool, started_at)
    return deadline is not None and now > deadline


def check_open(rules: Rules, pool: str, started_at: datetime, now: datetime) -> None:
    deadline = closes_at(rules, pool, started_at)
    if deadline is not None and now > deadline:
        raise RuleViolation(
            f"the {_what(pool)} took answers until {deadline.astimezone(VIETNAM).isoformat()}; "
            "start a new attempt",
            "attempt_expired",
        )
