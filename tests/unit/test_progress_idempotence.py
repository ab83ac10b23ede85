"""A redelivered fact never moves a learner: property-based over random histories."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from hocvuso.domain.progress import (
    AttemptGraded,
    LessonProgressed,
    Progress,
    RuleViolation,
    apply,
)
from tests.unit.course_fixture import tiny_course

COURSE = tiny_course()
lessons = st.builds(
    LessonProgressed,
    lesson_id=st.sampled_from([f"t{t}-l{i}" for t in range(1, 6) for i in (1, 2)]),
    percent=st.integers(0, 100),
)
quizzes = st.builds(
    AttemptGraded,
    attempt_id=st.sampled_from([f"a{i}" for i in range(12)]),
    pool=st.sampled_from(["1", "2", "3", "4", "5"]),
    correct=st.integers(0, 5),
    total=st.just(5),
)
exams = st.builds(
    AttemptGraded,
    attempt_id=st.sampled_from(["e1", "e2"]),
    pool=st.just("final"),
    correct=st.integers(0, 30),
    total=st.just(30),
)
histories = st.lists(st.one_of(lessons, quizzes, exams), max_size=40)


def play(facts: list, duplicate_each: bool = False) -> Progress:
    progress = Progress("t1")
    for fact in facts:
        for _ in range(2 if duplicate_each else 1):
            # A refused fact leaves the state as it was.
            with contextlib.suppress(RuleViolation):
                progress = apply(progress, fact, COURSE)
    return progress


@given(histories)
@settings(max_examples=300)
def test_applying_every_fact_twice_equals_applying_it_once(facts: list) -> None:
    assert play(facts, duplicate_each=True) == play(facts)


@given(histories, st.data())
@settings(max_examples=200)
def test_replaying_any_prefix_again_changes_nothing(facts: list, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(facts)))
    once = play(facts)
    assert play(facts + facts[:cut]) == once
