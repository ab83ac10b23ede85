"""Fixed, seeded event mixes, with what the services must make of them worked out here,
independently of the services' own code (no counter book, no grading function)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hocvuso.course_files import load_packaged_course
from hocvuso.domain import events as ev
from hocvuso.domain.course import Course
from hocvuso.domain.quiz import draw_questions
from hocvuso.reference_data import communes, units
from tests.bench.kafka import Raw, raw

NOW = datetime(2025, 11, 20, tzinfo=UTC)
CATEGORIES = ("cbccvc", "hssv", "citizen")
CATEGORY_WEIGHTS = (3, 2, 5)
# Topics completed per learner, 0..5: most stop early, a fifth finish the course.
TOPIC_WEIGHTS = (20, 20, 15, 15, 10, 20)
CERTIFIED_SHARE = 0.7  # of those who completed every topic
DUPLICATE_SHARE = 0.02  # redelivered records, as at-least-once delivery makes them


def registration(learner: str, category: str, commune: str, unit: str | None) -> ev.Event:
    return ev.LearnerRegistered(
        learner_id=learner,
        full_name=f"Học viên {learner}",
        category=category,  # type: ignore[arg-type]  # one of CATEGORIES
        commune_code=commune,
        unit_code=unit,
        course_version="v1",
        registered_at=NOW,
    )


@dataclass
class StatsMix:
    records: list[Raw] = field(default_factory=list)
    # scope ("province", "commune:21025", "unit:so-noi-vu") → the counters the API must show
    expected: dict[str, Counter[str]] = field(default_factory=dict)

    def expect(self, scopes: list[str], counts: dict[str, int]) -> None:
        for scope in scopes:
            self.expected.setdefault(scope, Counter()).update(counts)


def stats_mix(learners: int, seed: int = 7) -> StatsMix:
    """Registrations spread over all 96 communes and the unit tree, topic completions and
    certificates, with some duplicates, shuffled (events of one learner arrive in any order
    across topics, as they do from separate producers)."""
    rnd = random.Random(seed)
    codes = [c.official_code for c in communes()]
    unit_codes = [u.code for u in units()]
    mix = StatsMix()
    for n in range(learners):
        learner = f"st-{n:07d}"
        commune = codes[n % len(codes)]  # every commune gets learners
        category = rnd.choices(CATEGORIES, CATEGORY_WEIGHTS)[0]
        unit = rnd.choice(unit_codes) if category == "cbccvc" else None
        done = rnd.choices(range(6), TOPIC_WEIGHTS)[0]
        certified = done == 5 and rnd.random() < CERTIFIED_SHARE
        events = [registration(learner, category, commune, unit)]
        events += [_completed(learner, t) for t in range(1, done + 1)]
        events += [_certificate(learner)] if certified else []
        mix.records += [raw(e) for e in events]
        scopes = ["province", f"commune:{commune}", *([f"unit:{unit}"] if unit else [])]
        mix.expect(scopes, _counts(category, done, certified))
    mix.records += rnd.sample(mix.records, int(len(mix.records) * DUPLICATE_SHARE))
    rnd.shuffle(mix.records)
    return mix


def _counts(category: str, done: int, certified: bool) -> dict[str, int]:
    return {
        "learners": 1,
        f"learners_{category}": 1,
        "topics_completed": done,
        "completed_all_topics": int(done == 5),
        "certificates": int(certified),
        f"certificates_{category}": int(certified),
    }


def _completed(learner: str, topic: int) -> ev.Event:
    return ev.TopicCompleted(
        learner_id=learner, course_version="v1", topic_number=topic, completed_at=NOW
    )


def _certificate(learner: str) -> ev.Event:
    return ev.CertificateIssued(
        learner_id=learner,
        certificate_id=f"cert-{learner}",
        course_version="v1",
        full_name=None,
        exam_attempt_id=f"{learner}-final",
        exam_correct=25,
        exam_total=30,
        issued_at=NOW,
    )


def api_view(counts: Counter[str]) -> dict[str, object]:
    """The part of a stats API answer the mix decides."""
    return {
        "learners": counts["learners"],
        "learners_by_category": {c: counts[f"learners_{c}"] for c in CATEGORIES},
        "topics_completed": counts["topics_completed"],
        "completed_all_topics": counts["completed_all_topics"],
        "certificates": counts["certificates"],
        "certificates_by_category": {c: counts[f"certificates_{c}"] for c in CATEGORIES},
    }


@dataclass
class GradingMix:
    setup: list[Raw] = field(default_factory=list)  # registrations and lesson progress
    attempts: list[Raw] = field(default_factory=list)  # the timed part: starts, submissions
    attempt_ids: set[str] = field(default_factory=set)
    outcomes: Counter[str] = field(default_factory=Counter)  # what grading must decide

    @property
    def submissions(self) -> int:
        return len(self.attempt_ids)


QUIZ_PASS_SHARE = 0.9
EXAM_PASS_SHARE = 0.7


def grading_mix(learners: int, seed: int = 11) -> GradingMix:
    """Each learner studies every lesson, then takes the five topic quizzes and the final
    exam (quiz : exam = 5 : 1). A learner who failed a quiz is not eligible for the exam,
    so grading rejects it: rejections are results too."""
    rnd = random.Random(seed)
    course = load_packaged_course("v1")
    codes = [c.official_code for c in communes()]
    mix, per_learner = GradingMix(), []
    for n in range(learners):
        learner = f"gr-{n:07d}"
        mix.setup.append(raw(registration(learner, "citizen", codes[n % len(codes)], None)))
        for topic in course.topics:
            mix.setup += [raw(_lesson(learner, lesson.id)) for lesson in topic.lessons]
        passed = [rnd.random() < QUIZ_PASS_SHARE for _ in course.topics]
        events = [
            _attempt(mix, course, learner, str(t.number), ok)
            for t, ok in zip(course.topics, passed, strict=True)
        ]
        exam_ok = rnd.random() < EXAM_PASS_SHARE
        events.append(_attempt(mix, course, learner, "final", exam_ok))
        mix.outcomes["graded" if all(passed) else "rejected"] += 1
        per_learner.append([r for pair in events for r in pair])
    # Learners take their quizzes at the same time: interleave them, one learner's in order.
    for step in range(len(per_learner[0]) if per_learner else 0):
        mix.attempts += [records[step] for records in per_learner]
    mix.outcomes["graded"] += 5 * learners
    return mix


def _lesson(learner: str, lesson_id: str) -> ev.Event:
    return ev.LessonProgressed(
        learner_id=learner, course_version="v1", lesson_id=lesson_id, percent=100, reported_at=NOW
    )


def _attempt(
    mix: GradingMix, course: Course, learner: str, pool: str, pass_it: bool
) -> tuple[Raw, Raw]:
    attempt_id = f"{learner}-{pool}"
    questions = draw_questions(course, pool, attempt_id)
    right = course.rules.questions_for(pool) if pass_it else 2
    answers = {
        qid: course.questions[qid].answer if i < right else (course.questions[qid].answer + 1) % 4
        for i, qid in enumerate(questions)
    }
    mix.attempt_ids.add(attempt_id)
    started = ev.AttemptStarted(
        learner_id=learner,
        attempt_id=attempt_id,
        course_version="v1",
        pool=pool,
        question_ids=questions,
        started_at=NOW,
    )
    submitted = ev.AttemptSubmitted(
        learner_id=learner, attempt_id=attempt_id, answers=answers, submitted_at=NOW
    )
    return raw(started), raw(submitted)
