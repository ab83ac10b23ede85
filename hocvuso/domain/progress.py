"""A learner's progress through one course version, as a fold of learning facts.

Every fact is idempotent by construction: lesson progress keeps the best percent, attempts
are keyed by their id, a certificate by its id. Applying a fact twice returns an equal state,
so redelivered events never move a learner forward twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from hocvuso.domain.course import FINAL_POOL, Course


class RuleViolation(ValueError):
    """A fact the course rules do not allow: `reason` explains it to people, `rule` names
    the rule for programs and metrics (a small fixed set of codes)."""

    def __init__(self, reason: str, rule: str = "course_rule") -> None:
        super().__init__(reason)
        self.reason = reason
        self.rule = rule


@dataclass(frozen=True)
class LessonProgressed:
    lesson_id: str
    percent: int


@dataclass(frozen=True)
class AttemptGraded:
    attempt_id: str
    pool: str
    correct: int
    total: int


@dataclass(frozen=True)
class CertificateIssued:
    certificate_id: str


Fact = LessonProgressed | AttemptGraded | CertificateIssued


@dataclass(frozen=True)
class AttemptResult:
    pool: str
    correct: int
    total: int
    passed: bool


@dataclass(frozen=True)
class Progress:
    course_version: str
    lessons: dict[str, int] = field(default_factory=dict)
    attempts: dict[str, AttemptResult] = field(default_factory=dict)
    certificate_id: str | None = None

    def content_percent(self, course: Course, topic: int) -> float:
        lessons = course.topic(topic).lessons  # type: ignore[union-attr]
        return sum(self.lessons.get(lesson.id, 0) for lesson in lessons) / len(lessons)

    def quiz_passed(self, topic: int) -> bool:
        return any(a.passed for a in self.attempts.values() if a.pool == str(topic))

    def topic_completed(self, course: Course, topic: int) -> bool:
        content_done = self.content_percent(course, topic) >= course.rules.content_min_percent
        return content_done and self.quiz_passed(topic)

    def topics_completed(self, course: Course) -> list[int]:
        return [t for t in course.topic_numbers if self.topic_completed(course, t)]

    def exam_eligible(self, course: Course) -> bool:
        return len(self.topics_completed(course)) == len(course.topics)

    @property
    def exam_passed(self) -> bool:
        return any(a.passed for a in self.attempts.values() if a.pool == FINAL_POOL)

    def attempts_in(self, pool: str) -> int:
        return sum(1 for a in self.attempts.values() if a.pool == pool)


def check_attempt_allowed(
    course: Course, pool: str, topics_completed: int, attempts_in_pool: int
) -> None:
    """The rule for starting an attempt, whoever keeps the learner's record: the pool must
    exist, the final exam needs every topic completed, and a version may cap attempts."""
    if pool != FINAL_POOL and (not pool.isdigit() or course.topic(int(pool)) is None):
        raise RuleViolation(
            f"unknown quiz pool {pool!r}: a topic number or 'final'", "unknown_pool"
        )
    if pool == FINAL_POOL and topics_completed < len(course.topics):
        raise RuleViolation(
            f"the final exam needs all {len(course.topics)} topics completed; "
            f"{topics_completed} are",
            "exam_not_eligible",
        )
    limit = course.rules.max_attempts
    if limit is not None and attempts_in_pool >= limit:
        raise RuleViolation(f"no attempts left in {pool!r}: the limit is {limit}", "attempt_limit")


def check_can_attempt(progress: Progress, course: Course, pool: str) -> None:
    """Raise RuleViolation if the learner may not start an attempt in `pool` now."""
    done = len(progress.topics_completed(course))
    check_attempt_allowed(course, pool, done, progress.attempts_in(pool))


def apply(progress: Progress, fact: Fact, course: Course) -> Progress:
    """Return the progress after `fact`, judged by `course`'s rules."""
    if course.version != progress.course_version:
        raise RuleViolation(
            f"fact judged by course {course.version} for progress in {progress.course_version}"
        )
    if isinstance(fact, LessonProgressed):
        return _apply_lesson(progress, fact, course)
    if isinstance(fact, AttemptGraded):
        return _apply_attempt(progress, fact, course)
    if isinstance(fact, CertificateIssued):
        return _apply_certificate(progress, fact)
    raise RuleViolation(f"unknown fact {type(fact).__name__}")


def _apply_lesson(progress: Progress, fact: LessonProgressed, course: Course) -> Progress:
    if course.lesson(fact.lesson_id) is None:
        raise RuleViolation(f"unknown lesson {fact.lesson_id!r} in course {course.version}")
    if isinstance(fact.percent, bool) or not isinstance(fact.percent, int):
        raise RuleViolation("lesson percent must be a whole number")
    if not 0 <= fact.percent <= 100:
        raise RuleViolation(f"lesson percent must be within 0..100, got {fact.percent}")
    if progress.lessons.get(fact.lesson_id, 0) >= fact.percent:
        return progress
    return replace(progress, lessons={**progress.lessons, fact.lesson_id: fact.percent})


def _apply_attempt(progress: Progress, fact: AttemptGraded, course: Course) -> Progress:
    result = AttemptResult(
        pool=fact.pool,
        correct=fact.correct,
        total=fact.total,
        passed=course.rules.passes(fact.pool, fact.correct),
    )
    known = progress.attempts.get(fact.attempt_id)
    if known is not None:
        if known != result:
            raise RuleViolation(f"attempt {fact.attempt_id} was already graded differently")
        return progress
    check_can_attempt(progress, course, fact.pool)
    expected = course.rules.questions_for(fact.pool)
    if fact.total != expected:
        raise RuleViolation(
            f"an attempt in {fact.pool!r} has {expected} questions, not {fact.total}"
        )
    if not 0 <= fact.correct <= fact.total:
        raise RuleViolation(f"correct answers must be within 0..{fact.total}, got {fact.correct}")
    return replace(progress, attempts={**progress.attempts, fact.attempt_id: result})


def _apply_certificate(progress: Progress, fact: CertificateIssued) -> Progress:
    if progress.certificate_id == fact.certificate_id:
        return progress
    if progress.certificate_id is not None:
        raise RuleViolation("the learner already holds a different certificate")
    if not progress.exam_passed:
        raise RuleViolation("a certificate needs a passed final exam")
    return replace(progress, certificate_id=fact.certificate_id)


def fold(course: Course, facts: list[Fact]) -> Progress:
    progress = Progress(course_version=course.version)
    for fact in facts:
        progress = apply(progress, fact, course)
    return progress
