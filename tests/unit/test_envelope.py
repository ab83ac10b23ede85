from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hocvuso.domain import events as ev
from hocvuso.events.envelope import UndecodableEvent, from_record, header, to_record

NOW = datetime(2025, 11, 11, 2, 0, tzinfo=UTC)


def test_an_event_round_trips_with_its_envelope_and_learner_key() -> None:
    event = ev.TopicCompleted(
        learner_id="l1", course_version="v1", topic_number=3, completed_at=NOW
    )
    record = to_record(event, "/hocvuso/grading")
    assert record.topic == "hocvuso.grades.v1" and record.key == b"l1"
    assert header(record.headers, "ce_type") == "vn.hocvuso.grading.topic.completed.v1"
    assert header(record.headers, "ce_source") == "/hocvuso/grading"
    assert from_record(record.headers, record.value) == event


def test_the_same_fact_always_carries_the_same_event_id() -> None:
    event = ev.TopicCompleted(
        learner_id="l1", course_version="v1", topic_number=3, completed_at=NOW
    )
    ids = {header(to_record(event, "s").headers, "ce_id") for _ in range(3)}
    assert len(ids) == 1
    progress = ev.LessonProgressed(
        learner_id="l", course_version="v1", lesson_id="x", percent=1, reported_at=NOW
    )
    assert len({header(to_record(progress, "s").headers, "ce_id") for _ in range(3)}) == 3


@pytest.mark.parametrize(
    ("headers", "value", "message"),
    [
        ([], b"{}", "missing ce_type"),
        ([("ce_type", b"vn.other.v9")], b"{}", "unknown event type"),
        ([("ce_type", ev.TopicCompleted.type_name.encode())], b"not json", "not JSON"),
        ([("ce_type", ev.TopicCompleted.type_name.encode())], b'{"learner_id": 1}', "Expected"),
    ],
)
def test_records_that_are_not_v1_events_are_refused_with_a_reason(headers, value, message) -> None:
    with pytest.raises(UndecodableEvent, match=message):
        from_record(headers, value)
