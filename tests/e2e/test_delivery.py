"""At-least-once delivery made exact: duplicates, poison records and restarts."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

from hocvuso.devstack import Stack
from hocvuso.domain import events as ev
from hocvuso.events.envelope import to_record
from tests.e2e.client import Api, eventually
from tests.e2e.kafka_tools import (
    after_everything_sent,
    headers_of,
    produce,
    produce_raw,
    read_topic,
)
from tests.e2e.learning import answer

NOW = datetime(2025, 11, 3, 1, 45, tzinfo=UTC)


def commune_counts(stats: Api, code: str) -> dict:
    return stats.get(f"/v1/stats/communes/{code}").json()


def facts_for(learner_id: str, commune: str) -> list[ev.Event]:
    return [
        ev.LearnerRegistered(
            learner_id=learner_id,
            full_name="Đinh Văn Sáu",
            category="citizen",
            commune_code=commune,
            course_version="v1",
            registered_at=NOW,
        ),
        ev.TopicCompleted(
            learner_id=learner_id, course_version="v1", topic_number=2, completed_at=NOW
        ),
        ev.CertificateIssued(
            learner_id=learner_id,
            certificate_id=str(uuid.uuid4()),
            course_version="v1",
            full_name="Đinh Văn Sáu",
            exam_attempt_id="x",
            exam_correct=25,
            exam_total=30,
            issued_at=NOW,
        ),
    ]


def test_duplicated_events_move_the_counters_once(stack: Stack) -> None:
    stats, commune = Api(stack.url("stats")), "21172"
    before = commune_counts(stats, commune)
    learner_id = uuid.uuid4().hex
    registered, topic, certificate = facts_for(learner_id, commune)
    # Out of order across topics, and every fact three times over.
    produce(stack, certificate, times=3)
    produce(stack, topic, times=3)
    produce(stack, registered, times=3)
    topics = [certificate.topic, topic.topic, registered.topic]
    after_everything_sent(stack, "stats", learner_id.encode(), topics)

    # Counted by now, but the read model is refreshed every 250 ms from stats' checkpoints.
    fields = ("learners", "topics_completed", "certificates")

    def moved() -> dict[str, int]:
        after = commune_counts(stats, commune)
        return {field: after[field] - before[field] for field in fields}

    eventually(lambda: all(moved().values()) and moved(), timeout=10)
    time.sleep(1)  # a second count would show by now
    assert moved() == dict.fromkeys(fields, 1)


def test_a_poison_record_goes_to_the_dead_letter_topic_and_the_partition_moves_on(
    stack: Stack,
) -> None:
    enrollment = Api(stack.url("enrollment"), stack.identity)
    body = {
        "full_name": "Mai Thị Bảy",
        "birth_year": 1990,
        "category": "hssv",
        "commune_code": "21025",
    }
    learner_id = enrollment.register(body).json()["learner_id"]
    submitted = ev.AttemptSubmitted(
        learner_id=learner_id, attempt_id="a", answers={}, submitted_at=NOW
    )
    headers = [(k, v) for k, v in to_record(submitted, "/tests").headers if k != "ce_id"]
    headers.append(("ce_id", b"poison-1"))
    produce_raw(stack, ev.AttemptSubmitted.topic, learner_id.encode(), b"{broken", headers)

    def dead(records) -> list:
        return [r for r in records if headers_of(r).get("ce_id") == "poison-1"]

    letters = dead(read_topic(stack, ev.DEAD_LETTER_TOPIC, dead))
    assert letters, "the poison record never reached the dead-letter topic"
    meta = headers_of(letters[0])
    assert meta["dlq_service"] == "grading"
    assert "not JSON" in meta["dlq_error"]
    assert meta["dlq_origin"].startswith(ev.AttemptSubmitted.topic)
    assert letters[0].value == b"{broken" and letters[0].key == learner_id.encode()

    # The same learner, hence the same partition, is still graded afterwards.
    attempt = enrollment.post(f"/v1/learners/{learner_id}/attempts", {"topic": 1}).json()
    enrollment.post(
        f"/v1/attempts/{attempt['attempt_id']}/answers", {"answers": answer(attempt, 0)}
    )
    graded = eventually(
        lambda: (
            (a := enrollment.get(f"/v1/attempts/{attempt['attempt_id']}").json())["status"]
            == "graded"
            and a
        )
    )
    assert graded["result"]["correct"] == 0


def test_a_redelivered_submission_is_graded_once(stack: Stack) -> None:
    enrollment = Api(stack.url("enrollment"), stack.identity)
    body = {
        "full_name": "Hồ Văn Tám",
        "birth_year": 1990,
        "category": "citizen",
        "commune_code": "21025",
    }
    learner_id = enrollment.register(body).json()["learner_id"]
    attempt = enrollment.post(f"/v1/learners/{learner_id}/attempts", {"topic": 3}).json()
    enrollment.post(
        f"/v1/attempts/{attempt['attempt_id']}/answers", {"answers": answer(attempt, 0)}
    )
    eventually(
        lambda: enrollment.get(f"/v1/attempts/{attempt['attempt_id']}").json()["status"] == "graded"
    )
    again = ev.AttemptSubmitted(
        learner_id=learner_id, attempt_id=attempt["attempt_id"], answers={}, submitted_at=NOW
    )
    produce(stack, again, times=2)

    def graded(records) -> list:
        return [
            r
            for r in records
            if headers_of(r).get("ce_type") == ev.AttemptGraded.type_name
            and attempt["attempt_id"].encode() in r.value
        ]

    results = graded(read_topic(stack, ev.AttemptGraded.topic, lambda rs: len(graded(rs)) >= 3))
    assert len(results) == 3, "each delivery of the submission answers with the stored result"
    assert len({headers_of(r)["ce_id"] for r in results}) == 1
    assert len({r.value for r in results}) == 1
    progress = enrollment.get(f"/v1/learners/{learner_id}/progress").json()
    assert progress["topics"][2]["quiz_attempts"] == 1


def test_stats_keeps_its_counts_across_a_restart_and_catches_up(stack: Stack) -> None:
    stats, commune = Api(stack.url("stats")), "21439"
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    before = commune_counts(stats, commune)
    produce(stack, facts_for(first, commune)[0])
    eventually(lambda: commune_counts(stats, commune)["learners"] == before["learners"] + 1)

    stack.stop_service("stats")
    produce(stack, facts_for(second, commune)[0])  # arrives while stats is down
    produce(stack, facts_for(first, commune)[0])  # and a duplicate of what it saw
    stack.restart_service("stats")

    after = eventually(
        lambda: (c := commune_counts(stats, commune))["learners"] >= before["learners"] + 2 and c
    )
    assert after["learners"] == before["learners"] + 2


def test_dead_letters_keep_the_original_envelope(stack: Stack) -> None:
    record = to_record(facts_for("someone", "21025")[0], "/tests")
    headers = [(k, v) for k, v in record.headers if k != "ce_type"] + [("ce_type", b"vn.other.v9")]
    produce_raw(stack, record.topic, record.key, record.value, headers)

    def mine(records) -> list:
        return [r for r in records if headers_of(r).get("ce_type") == "vn.other.v9"]

    letters = mine(
        read_topic(
            stack,
            ev.DEAD_LETTER_TOPIC,
            lambda rs: len({headers_of(r)["dlq_service"] for r in mine(rs)}) >= 2,
        )
    )
    # Both readers of the learners topic refuse it, each saying so.
    assert {headers_of(r)["dlq_service"] for r in letters} >= {"stats", "certs"}
    assert all("unknown event type" in headers_of(r)["dlq_error"] for r in letters)
    assert all(headers_of(r)["ce_source"] == "/tests" for r in letters)


def test_a_passed_exam_read_before_the_registration_still_gets_a_named_certificate(
    stack: Stack,
) -> None:
    learner_id = uuid.uuid4().hex
    passed = ev.AttemptGraded(
        learner_id=learner_id,
        attempt_id=f"exam-{learner_id}",
        course_version="v1",
        pool="final",
        correct=27,
        total=30,
        passed=True,
        graded_at=NOW,
    )
    produce(stack, passed)
    after_everything_sent(stack, "certs", learner_id.encode(), [passed.topic])
    registered = facts_for(learner_id, "21025")[0]
    produce(stack, registered)

    def issued(records: list) -> list:
        return [
            r
            for r in records
            if r.key == learner_id.encode()
            and headers_of(r).get("ce_type") == ev.CertificateIssued.type_name
        ]

    (record,) = issued(read_topic(stack, ev.CertificateIssued.topic, issued))
    certificate = json.loads(record.value)
    assert certificate["full_name"] == "Đinh Văn Sáu"
    shown = Api(stack.url("certs")).get(f"/v1/certificates/{certificate['certificate_id']}")
    assert shown.json()["full_name"] == "Đinh Văn Sáu"
