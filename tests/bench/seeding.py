"""Many learners' state, produced straight onto Kafka as production would build it: a
registration and a lesson report per learner (stats and certs keep each learner's
registration, grading each learner's progress)."""

from __future__ import annotations

from hocvuso.devstack import Stack
from hocvuso.domain import events as ev
from tests.bench import kafka
from tests.bench.mix import NOW, registration
from tests.bench.stack import say

CHUNK = 50_000


def learner_events(start: int, stop: int) -> list[kafka.Raw]:
    out = []
    for n in range(start, stop):
        learner = f"mem-{n:08d}"
        lesson = ev.LessonProgressed(
            learner_id=learner,
            course_version="v1",
            lesson_id="t1-l1",
            percent=60,
            reported_at=NOW,
        )
        out += [kafka.raw(registration(learner, "citizen", "21025", None)), kafka.raw(lesson)]
    return out


def seed(stack: Stack, start: int, stop: int) -> None:
    """Learners number `start` up to `stop` (exclusive)."""
    for first in range(start, stop, CHUNK):
        kafka.produce(stack, learner_events(first, min(first + CHUNK, stop)))
        say(f"[seed]   produced learners up to {min(first + CHUNK, stop):,}")
