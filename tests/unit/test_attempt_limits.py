"""Attempts that cannot be farmed: daily limits, cool-down, expiry and closing, judged by
the core from the moments it is given (a simulated clock: no test waits)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hocvuso.course_files import configured_catalog
from hocvuso.domain import enrollment as core
from hocvuso.domain import events as ev
from hocvuso.domain.attempt_limits import NotNow
from hocvuso.domain.course import Course
from hocvuso.domain.local_time import VIETNAM
from hocvuso.domain.progress import RuleViolation
from hocvuso.settings import CourseSettings
from tests.unit.course_fixture import tiny_course

V1_LIMITS = {
    "quiz_attempts_per_day": 3,
    "exam_attempts_per_day": 3,
    "minutes_between_attempts": 10,
    "quiz_open_minutes": 30,
    "exam_open_minutes": 60,
}
COURSE = tiny_course(**V1_LIMITS)
MORNING = datetime(2025, 11, 3, 8, 0, tzinfo=VIETNAM)
MASTER = core.MasterData(communes={"21025"}, units=set())
PROFILE = core.Profile(
    full_name="Võ Văn Một", birth_year=1980, category="citizen", commune_code="21025"
)


def learner(course: Course = COURSE, now: datetime = MORNING) -> core.Learner:
    registered, _ = core.register("l1", PROFILE, MASTER, course, now)
    return registered


def starts(
    pool: str, moments: list[datetime], course: Course = COURSE, who: core.Learner | None = None
) -> core.Learner:
    who = who or learner(course)
    for n, moment in enumerate(moments):
        who, _ = core.start_attempt(who, course, pool, f"{pool}-{n}-{moment.isoformat()}", moment)
    return who


def refusal(who: core.Learner, pool: str, now: datetime, course: Course = COURSE) -> RuleViolation:
    with pytest.raises(RuleViolation) as refused:
        core.start_attempt(who, course, pool, f"next-{now.isoformat()}", now)
    return refused.value


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_attempts_at_one_topic_are_ten_minutes_apart() -> None:
    first = starts("1", [MORNING])
    early = refusal(first, "1", MORNING + minutes(9.9))
    assert isinstance(early, NotNow) and early.rule == "attempt_cooldown"
    assert early.available_at == MORNING + minutes(10)
    assert early.wait == minutes(0.1), "what Retry-After tells the client"
    core.start_attempt(first, COURSE, "1", "on-time", MORNING + minutes(10))
    core.start_attempt(first, COURSE, "2", "other-topic", MORNING + minutes(1))


def test_three_quizzes_per_topic_per_day_and_the_day_is_vietnams() -> None:
    taken = starts("1", [MORNING, MORNING + minutes(10), MORNING + minutes(20)])
    limit = refusal(taken, "1", MORNING + minutes(30))
    assert isinstance(limit, NotNow) and limit.rule == "daily_attempt_limit"
    assert limit.available_at == datetime(2025, 11, 4, 0, 0, tzinfo=VIETNAM)
    assert "3 attempts" in limit.reason
    # 23:59 in Vietnam is still the same day; 00:00 is the next one.
    assert refusal(taken, "1", datetime(2025, 11, 3, 16, 59, tzinfo=UTC)).rule == (
        "daily_attempt_limit"
    )
    core.start_attempt(taken, COURSE, "1", "tomorrow", datetime(2025, 11, 3, 17, 0, tzinfo=UTC))
    core.start_attempt(taken, COURSE, "2", "other-topic", MORNING + minutes(30))


def test_an_attempt_left_to_expire_counts_like_any_other() -> None:
    taken = starts("1", [MORNING, MORNING + minutes(40), MORNING + minutes(80)])
    assert all(a.status == "open" for a in taken.attempts.values()), "never answered"
    assert refusal(taken, "1", MORNING + minutes(200)).rule == "daily_attempt_limit"


def test_the_final_exam_has_its_own_daily_limit() -> None:
    ready = learner()
    for topic in range(1, 6):
        done = ev.TopicCompleted(
            learner_id="l1", course_version="t1", topic_number=topic, completed_at=MORNING
        )
        ready = core.record(ready, done)
    taken = starts("final", [MORNING, MORNING + minutes(10), MORNING + minutes(20)], who=ready)
    assert refusal(taken, "final", MORNING + minutes(90)).rule == "daily_attempt_limit"


@pytest.mark.parametrize(("pool", "open_minutes"), [("1", 30), ("final", 60)])
def test_an_attempt_takes_answers_until_it_closes(pool: str, open_minutes: int) -> None:
    ready = learner()
    for topic in range(1, 6):
        done = ev.TopicCompleted(
            learner_id="l1", course_version="t1", topic_number=topic, completed_at=MORNING
        )
        ready = core.record(ready, done)
    opened, (*_, started) = core.start_attempt(ready, COURSE, pool, "a", MORNING)
    assert isinstance(started, ev.AttemptStarted)
    answers = dict.fromkeys(started.question_ids, 0)
    attempt = opened.attempts["a"]
    closes = MORNING + minutes(open_minutes)
    assert core.shown_status(attempt, COURSE, closes) == "open"
    assert core.shown_status(attempt, COURSE, closes + minutes(0.01)) == "expired"
    core.submit_answers(opened, COURSE, "a", answers, closes)  # the last moment still counts
    with pytest.raises(RuleViolation) as late:
        core.submit_answers(opened, COURSE, "a", answers, closes + timedelta(seconds=1))
    assert late.value.rule == "attempt_expired"
    submitted, _ = core.submit_answers(opened, COURSE, "a", answers, closes)
    after = submitted.attempts["a"]
    assert core.shown_status(after, COURSE, closes + minutes(60)) == "submitted", "not expired"


def test_a_closed_course_takes_no_learners_and_starts_no_attempts() -> None:
    closing = MORNING + timedelta(days=1)
    closed = tiny_course(**V1_LIMITS, closes_at=closing.isoformat())
    student = learner(closed)
    core.start_attempt(student, closed, "1", "before", closing - minutes(1))
    with pytest.raises(RuleViolation) as late:
        core.start_attempt(student, closed, "1", "after", closing)
    assert late.value.rule == "course_closed"
    with pytest.raises(RuleViolation) as refused:
        core.register("l2", PROFILE, MASTER, closed, closing)
    assert refused.value.rule == "course_closed"


def test_an_open_attempt_may_still_be_answered_after_the_course_closes() -> None:
    closing = MORNING + minutes(5)
    closed = tiny_course(**V1_LIMITS, closes_at=closing.isoformat())
    opened, (*_, started) = core.start_attempt(learner(closed), closed, "1", "a", MORNING)
    assert isinstance(started, ev.AttemptStarted)
    answers = dict.fromkeys(started.question_ids, 0)
    core.submit_answers(opened, closed, "a", answers, closing + minutes(10))


def test_the_deployment_sets_the_closing_date_and_a_simulation_lifts_the_limits() -> None:
    closes = datetime(2025, 12, 31, 23, 59, 59, tzinfo=VIETNAM)
    production = configured_catalog(CourseSettings(closes_at={"v1": closes}))["v1"]
    assert production.rules.closes_at == closes
    assert production.rules.quiz_attempts_per_day == 3
    assert production.rules.minutes_between_attempts == 10
    simulation = configured_catalog(CourseSettings(unlimited_attempts=True))["v1"]
    assert simulation.rules.quiz_attempts_per_day is None
    assert simulation.rules.minutes_between_attempts == 0
    assert simulation.rules.quiz_open_minutes == 30, "attempts still expire"
    assert simulation.rules.closes_at is None, "open unless the province sets a date"
    with pytest.raises(ValueError, match="UTC offset"):
        configured_catalog(CourseSettings(closes_at={"v1": datetime(2025, 12, 31)}))


def test_without_limits_a_quiz_is_retaken_at_once() -> None:
    simulation = configured_catalog(CourseSettings(unlimited_attempts=True))["v1"]
    who = learner(simulation)
    for n in range(10):
        who, _ = core.start_attempt(who, simulation, "1", f"a{n}", MORNING)
    assert len(who.attempts) == 10
