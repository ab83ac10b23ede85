"""A course version as data: its topics, lessons, question bank and pass rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

FINAL_POOL = "final"
TOPIC_POOLS = ("1", "2", "3", "4", "5")


@dataclass(frozen=True)
class Rules:
    content_min_percent: int
    quiz_questions: int
    quiz_pass_correct: int
    exam_questions: int
    exam_pass_correct: int
    max_attempts: int | None = None
    # What keeps attempts from being farmed (None: no limit). A calendar day is Vietnam's.
    quiz_attempts_per_day: int | None = None
    exam_attempts_per_day: int | None = None
    minutes_between_attempts: int = 0  # between two starts in the same topic (or exam)
    quiz_open_minutes: int | None = None  # how long an attempt takes answers
    exam_open_minutes: int | None = None
    closes_at: datetime | None = None  # no attempt starts and nobody registers from then on

    def attempts_per_day(self, pool: str) -> int | None:
        return self.exam_attempts_per_day if pool == FINAL_POOL else self.quiz_attempts_per_day

    def open_for(self, pool: str) -> timedelta | None:
        minutes = self.exam_open_minutes if pool == FINAL_POOL else self.quiz_open_minutes
        return None if minutes is None else timedelta(minutes=minutes)

    @property
    def spacing(self) -> timedelta:
        return timedelta(minutes=self.minutes_between_attempts)

    def questions_for(self, pool: str) -> int:
        return self.exam_questions if pool == FINAL_POOL else self.quiz_questions

    def passes(self, pool: str, correct: int) -> bool:
        needed = self.exam_pass_correct if pool == FINAL_POOL else self.quiz_pass_correct
        return correct >= needed


@dataclass(frozen=True)
class Lesson:
    id: str
    topic: int
    title: str
    summary: str


@dataclass(frozen=True)
class Topic:
    number: int
    title: str
    lessons: tuple[Lesson, ...]


@dataclass(frozen=True)
class Question:
    id: str
    pool: str
    text: str
    choices: tuple[str, ...]
    answer: int

    def public(self) -> dict[str, object]:
        """The question as a learner may see it: never the answer."""
        return {"id": self.id, "text": self.text, "choices": list(self.choices)}


@dataclass(frozen=True)
class Course:
    version: str
    title: str
    effective_from: datetime
    rules: Rules
    topics: tuple[Topic, ...]
    questions: Mapping[str, Question]

    def lesson(self, lesson_id: str) -> Lesson | None:
        return self._lessons_by_id.get(lesson_id)

    def topic(self, number: int) -> Topic | None:
        return self._topics_by_number.get(number)

    def pool(self, pool: str) -> list[Question]:
        return [q for q in self.questions.values() if q.pool == pool]

    @cached_property
    def topic_numbers(self) -> tuple[int, ...]:
        return tuple(t.number for t in self.topics)

    # Looked up for every event graded: indexed once per course rather than searched.
    @cached_property
    def _topics_by_number(self) -> dict[int, Topic]:
        return {t.number: t for t in reversed(self.topics)}  # the first of a number wins

    @cached_property
    def _lessons_by_id(self) -> dict[str, Lesson]:
        return {le.id: le for t in reversed(self.topics) for le in reversed(t.lessons)}


def course_from_data(course: Mapping[str, Any], questions: Iterable[Mapping[str, Any]]) -> Course:
    topics = tuple(
        Topic(
            number=t["number"],
            title=t["title"],
            lessons=tuple(
                Lesson(id=le["id"], topic=t["number"], title=le["title"], summary=le["summary"])
                for le in t["lessons"]
            ),
        )
        for t in course["topics"]
    )
    bank = {
        q["id"]: Question(
            id=q["id"],
            pool=str(q["pool"]),
            text=q["text"],
            choices=tuple(q["choices"]),
            answer=int(q["answer"]),
        )
        for q in questions
    }
    return Course(
        version=course["version"],
        title=course["title"],
        effective_from=datetime.fromisoformat(course["effective_from"]),
        rules=_rules(course["rules"]),
        topics=topics,
        questions=bank,
    )


def _rules(data: Mapping[str, Any]) -> Rules:
    closes = data.get("closes_at")
    return Rules(
        **{**data, "closes_at": None if closes is None else datetime.fromisoformat(closes)}
    )


class Catalog:
    """Every course version, so an event is judged by the rules in force when it happened."""

    def __init__(self, courses: Iterable[Course]) -> None:
        self._by_version = {c.version: c for c in courses}
        if not self._by_version:
            raise ValueError("a catalog needs at least one course version")
        self._by_start = sorted(self._by_version.values(), key=lambda c: c.effective_from)

    def __getitem__(self, version: str) -> Course:
        try:
            return self._by_version[version]
        except KeyError:
            raise UnknownCourseVersion(version) from None

    def in_force_at(self, moment: datetime) -> Course:
        current = self._by_start[0]
        for course in self._by_start:
            if course.effective_from <= moment:
                current = course
        return current

    @property
    def versions(self) -> list[str]:
        return [c.version for c in self._by_start]

    @property
    def first(self) -> Course:
        """The earliest version: the campaign began when it took effect."""
        return self._by_start[0]


class UnknownCourseVersion(KeyError):
    pass
