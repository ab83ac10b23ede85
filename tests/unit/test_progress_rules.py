"""The course rules of letter 001, at each boundary."""

from __future__ import annotations

import pytest

from hocvuso.domain.progress import (
    AttemptGraded,
    CertificateIssued,
    LessonProgressed,
    Progress,
    RuleViolation,
    apply,
    check_can_attempt,
    fold,
)
from tests.unit.course_fixture import tiny_course

COURSE = tiny_course()


def lessons_at(topic: int, percent: int) -> list:
    return [LessonProgressed(f"t{topic}-l{i}", percent) for i in (1, 2)]


def completed_topics(*topics: int) -> list:
    facts: list = []
    for t in topics:
        facts += lessons_at(t, 100)
        facts.append(AttemptGraded(f"quiz-{t}", str(t), 5, 5))
    return facts


@pytest.mark.parametrize(("percent", "done"), [(79, False), (80, True), (100, True)])
def test_topic_needs_80_percent_of_its_content(percent: int, done: bool) -> None:
    progress = fold(COURSE, [*lessons_at(1, percent), AttemptGraded("a", "1", 5, 5)])
    assert progress.topic_completed(COURSE, 1) is done


def test_content_is_averaged_over_the_topics_lessons() -> None:
    progress = fold(COURSE, [LessonProgressed("t1-l1", 100), LessonProgressed("t1-l2", 59)])
    assert progress.content_percent(COURSE, 1) == 79.5
    progress = apply(progress, LessonProgressed("t1-l2", 60), COURSE)
    assert progress.content_percent(COURSE, 1) == 80


@pytest.mark.parametrize(("correct", "passed"), [(3, False), (4, True), (5, True)])
def test_quiz_passes_with_4_of_5(correct: int, passed: bool) -> None:
    progress = fold(COURSE, [*lessons_at(2, 100), AttemptGraded("a", "2", correct, 5)])
    assert progress.quiz_passed(2) is passed
    assert progress.topic_completed(COURSE, 2) is passed


def test_a_passed_quiz_without_enough_content_does_not_complete_the_topic() -> None:
    progress = fold(COURSE, [*lessons_at(3, 50), AttemptGraded("a", "3", 5, 5)])
    assert progress.quiz_passed(3)
    assert not progress.topic_completed(COURSE, 3)


def test_the_exam_is_refused_before_all_five_topics() -> None:
    progress = fold(COURSE, completed_topics(1, 2, 3, 4))
    assert not progress.exam_eligible(COURSE)
    with pytest.raises(RuleViolation, match="all 5 topics"):
        check_can_attempt(progress, COURSE, "final")
    with pytest.raises(RuleViolation, match="all 5 topics"):
        apply(progress, AttemptGraded("exam", "final", 30, 30), COURSE)


@pytest.mark.parametrize(("correct", "passed"), [(20, False), (21, True), (30, True)])
def test_the_exam_passes_with_21_of_30(correct: int, passed: bool) -> None:
    progress = fold(
        COURSE, [*completed_topics(1, 2, 3, 4, 5), AttemptGraded("e", "final", correct, 30)]
    )
    assert progress.exam_passed is passed


def test_a_failed_exam_may_be_retaken_and_a_later_pass_counts() -> None:
    facts = [
        *completed_topics(1, 2, 3, 4, 5),
        AttemptGraded("e1", "final", 20, 30),
        AttemptGraded("e2", "final", 25, 30),
    ]
    progress = fold(COURSE, facts)
    assert progress.attempts_in("final") == 2
    assert progress.exam_passed


def test_a_course_version_may_limit_attempts() -> None:
    limited = tiny_course(max_attempts=2)
    progress = fold(limited, [AttemptGraded("a", "1", 1, 5), AttemptGraded("b", "1", 2, 5)])
    with pytest.raises(RuleViolation, match="limit is 2"):
        check_can_attempt(progress, limited, "1")


@pytest.mark.parametrize("percent", [-1, 101, 250])
def test_a_percent_outside_0_to_100_is_rejected(percent: int) -> None:
    with pytest.raises(RuleViolation, match=r"0\.\.100"):
        apply(Progress("t1"), LessonProgressed("t1-l1", percent), COURSE)


def test_an_unknown_lesson_is_rejected() -> None:
    with pytest.raises(RuleViolation, match="unknown lesson"):
        apply(Progress("t1"), LessonProgressed("t9-l1", 50), COURSE)


def test_lesson_progress_never_goes_backwards() -> None:
    progress = fold(COURSE, [LessonProgressed("t1-l1", 90), LessonProgressed("t1-l1", 30)])
    assert progress.lessons["t1-l1"] == 90


@pytest.mark.parametrize(
    ("fact", "message"),
    [
        (AttemptGraded("a", "1", 4, 10), "5 questions"),
        (AttemptGraded("a", "1", 6, 5), "within 0..5"),
        (AttemptGraded("a", "7", 4, 5), "unknown quiz pool"),
    ],
)
def test_malformed_grades_are_rejected(fact: AttemptGraded, message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        apply(Progress("t1"), fact, COURSE)


def test_a_regrade_with_another_score_is_rejected() -> None:
    progress = fold(COURSE, [AttemptGraded("a", "1", 3, 5)])
    with pytest.raises(RuleViolation, match="already graded differently"):
        apply(progress, AttemptGraded("a", "1", 5, 5), COURSE)


def test_a_certificate_needs_a_passed_exam() -> None:
    with pytest.raises(RuleViolation, match="passed final exam"):
        apply(fold(COURSE, completed_topics(1, 2, 3, 4, 5)), CertificateIssued("c"), COURSE)
    certified = fold(
        COURSE,
        [
            *completed_topics(1, 2, 3, 4, 5),
            AttemptGraded("e", "final", 21, 30),
            CertificateIssued("c"),
        ],
    )
    assert certified.certificate_id == "c"
    with pytest.raises(RuleViolation, match="different certificate"):
        apply(certified, CertificateIssued("other"), COURSE)


def test_rules_of_the_progress_course_version_only() -> None:
    with pytest.raises(RuleViolation, match="judged by course"):
        apply(Progress("t1"), LessonProgressed("t1-l1", 10), tiny_course(version="t2"))


def test_an_old_version_keeps_its_rules_after_a_new_one_starts() -> None:
    from datetime import datetime

    from hocvuso.domain.course import Catalog

    old = tiny_course("t1", "2025-10-01T00:00:00+07:00")
    strict = tiny_course("t2", "2026-01-01T00:00:00+07:00", quiz_pass_correct=5)
    catalog = Catalog([strict, old])
    assert catalog.in_force_at(datetime.fromisoformat("2025-11-11T09:00:00+07:00")).version == "t1"
    assert catalog.in_force_at(datetime.fromisoformat("2026-02-01T00:00:00+07:00")).version == "t2"
    replayed = fold(catalog["t1"], [AttemptGraded("a", "1", 4, 5)])
    assert replayed.quiz_passed(1)  # 4/5 passed under t1, though t2 asks 5/5
    assert not fold(catalog["t2"], [AttemptGraded("a", "1", 4, 5)]).quiz_passed(1)
