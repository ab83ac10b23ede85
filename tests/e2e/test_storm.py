"""A storm of malformed records on every input topic, mixed with a real campaign.

Every bad record is dead-lettered exactly once by each service that reads its topic, every
good one is processed, and the counters come out exact.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import UTC, datetime

from aiokafka import ConsumerRecord

from hocvuso.devstack import Stack
from hocvuso.domain import events as ev
from hocvuso.events.envelope import to_record
from tests.e2e.client import Api, eventually
from tests.e2e.kafka_tools import RawRecord, headers_of_ours, produce_all, read_topic
from tests.e2e.learning import register, study, take

COMMUNE = "21451"  # Phường Trà Câu: no other test counts here
READERS = {
    ev.LearnerRegistered.topic: {"stats", "certs"},
    ev.LessonProgressed.topic: {"grading"},
    ev.AttemptStarted.topic: {"grading"},
    ev.AttemptGraded.topic: {"enrollment", "stats", "certs"},
    ev.CertificateIssued.topic: {"enrollment", "stats"},
}
LEARNERS = 4
NOW = datetime(2025, 11, 20, tzinfo=UTC)


def _template(topic: str, rng: random.Random) -> RawRecord:
    """A well-formed record of the topic, for the storm to damage."""
    learner = f"storm-{rng.randrange(10**9)}"
    events: dict[str, ev.Event] = {
        ev.LearnerRegistered.topic: ev.LearnerRegistered(
            learner_id=learner,
            full_name="X",
            category="citizen",
            commune_code=COMMUNE,
            course_version="v1",
            registered_at=NOW,
        ),
        ev.LessonProgressed.topic: ev.LessonProgressed(
            learner_id=learner,
            course_version="v1",
            lesson_id="t1-l1",
            percent=50,
            reported_at=NOW,
        ),
        ev.AttemptStarted.topic: ev.AttemptSubmitted(
            learner_id=learner, attempt_id="a", answers={}, submitted_at=NOW
        ),
        ev.AttemptGraded.topic: ev.TopicCompleted(
            learner_id=learner, course_version="v1", topic_number=1, completed_at=NOW
        ),
        ev.CertificateIssued.topic: ev.CertificateIssued(
            learner_id=learner,
            certificate_id="c",
            course_version="v1",
            full_name="X",
            exam_attempt_id="a",
            exam_correct=30,
            exam_total=30,
            issued_at=NOW,
        ),
    }
    record = to_record(events[topic], "/storm")
    return topic, record.key, record.value, record.headers


def _damage(record: RawRecord, rng: random.Random) -> RawRecord:
    topic, key, value, headers = record
    noise = rng.randbytes(rng.randrange(1, 64))
    kind = rng.randrange(5)
    if kind == 0:  # random bytes as the value
        return topic, key, noise, headers
    if kind == 1:  # random bytes in the value of one envelope header
        name = rng.choice(["ce_type", "ce_id", "ce_specversion", "ce_source"])
        bad = b"\xff" + noise  # never valid UTF-8, never a known type
        return topic, key, value, [(k, bad if k == name else v) for k, v in headers]
    if kind == 2:  # random bytes as the key
        return topic, b"\xfe" + noise, value, headers
    if kind == 3:  # an envelope header missing
        drop = rng.choice(["ce_type", "ce_id", "ce_specversion", "ce_source"])
        return topic, key, value, [(k, v) for k, v in headers if k != drop]
    return topic, None, noise, [(rng.choice(["ce_type", "x"]), noise)]  # nothing at all right


def _storm(rng: random.Random, per_topic: int) -> list[RawRecord]:
    return [_damage(_template(topic, rng), rng) for topic in READERS for _ in range(per_topic)]


def test_a_storm_of_bad_records_is_dead_lettered_once_per_reader_and_nothing_else_moves(
    stack: Stack,
) -> None:
    rng = random.Random(20251120)
    enrollment, stats = Api(stack.url("enrollment"), stack.identity), Api(stack.url("stats"))
    before = stats.get(f"/v1/stats/communes/{COMMUNE}").json()

    origins = produce_all(stack, _storm(rng, per_topic=12))
    learners = [register(enrollment, COMMUNE) for _ in range(LEARNERS)]
    origins += produce_all(stack, _storm(rng, per_topic=12))
    for learner in learners:
        study(enrollment, learner, 1)
        assert take(enrollment, learner, 1, right=5)["status"] == "graded"
    origins += produce_all(stack, _storm(rng, per_topic=6))

    expected = Counter({(service, o): 1 for o in origins for service in READERS[o.split("/")[0]]})

    def letters(records: list[ConsumerRecord]) -> Counter[tuple[str | None, str | None]]:
        found: Counter[tuple[str | None, str | None]] = Counter()
        for r in records:
            meta = headers_of_ours(r)
            key = (meta.get("dlq_service"), meta.get("dlq_origin"))
            if key in expected:
                found[key] += 1
        return found

    eventually(
        lambda: (
            letters(read_topic(stack, ev.DEAD_LETTER_TOPIC, lambda rs: False, 3)).keys()
            >= expected.keys()
        ),
        timeout=90,
    )
    time.sleep(3)  # room for a repeat to show up, if one were coming
    found = letters(read_topic(stack, ev.DEAD_LETTER_TOPIC, lambda rs: False, 3))
    assert found == expected, "every bad record dead-lettered once by each of its readers"

    after = eventually(
        lambda: (
            (c := stats.get(f"/v1/stats/communes/{COMMUNE}").json())["topics_completed"]
            == before["topics_completed"] + LEARNERS
            and c
        )
    )
    assert after["learners"] - before["learners"] == LEARNERS
    assert after["certificates"] == before["certificates"]
    for learner in learners:
        progress = enrollment.get(f"/v1/learners/{learner}/progress").json()
        assert progress["topics"][0]["completed"] is True
