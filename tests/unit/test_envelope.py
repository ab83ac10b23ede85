from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hocvuso.domain import events as ev
from hocvuso.events.envelope import (
    InboundRecord,
    PoisonRecord,
    dead_letter_headers,
    decode,
    header,
    to_record,
)

NOW = datetime(2025, 11, 11, 2, 0, tzinfo=UTC)
EVENT = ev.TopicCompleted(learner_id="l1", course_version="v1", topic_number=3, completed_at=NOW)


def inbound(key: bytes | None, value: bytes | None, headers, offset: int = 7) -> InboundRecord:
    return InboundRecord("hocvuso.grades.v1", 2, offset, key, value, tuple(headers))


def good_record() -> InboundRecord:
    record = to_record(EVENT, "/hocvuso/grading")
    return inbound(record.key, record.value, record.headers)


def test_an_event_round_trips_with_its_envelope_and_learner_key() -> None:
    record = to_record(EVENT, "/hocvuso/grading")
    assert record.topic == "hocvuso.grades.v1" and record.key == b"l1"
    assert header(record.headers, "ce_type") == "vn.hocvuso.grading.topic.completed.v1"
    assert header(record.headers, "ce_source") == "/hocvuso/grading"
    assert decode(good_record()) == EVENT


def test_the_same_fact_always_carries_the_same_event_id() -> None:
    ids = {header(to_record(EVENT, "s").headers, "ce_id") for _ in range(3)}
    assert len(ids) == 1
    progress = ev.LessonProgressed(
        learner_id="l", course_version="v1", lesson_id="x", percent=1, reported_at=NOW
    )
    assert len({header(to_record(progress, "s").headers, "ce_id") for _ in range(3)}) == 3


def _with(headers, name: str, value: bytes | None):
    kept = [(k, v) for k, v in headers if k != name]
    return kept if value is None else [*kept, (name, value)]


GOOD = to_record(EVENT, "/tests")


@pytest.mark.parametrize(
    ("key", "value", "headers", "message"),
    [
        (GOOD.key, GOOD.value, _with(GOOD.headers, "ce_type", None), "missing ce_type"),
        (GOOD.key, GOOD.value, _with(GOOD.headers, "ce_id", None), "missing ce_id"),
        (GOOD.key, GOOD.value, _with(GOOD.headers, "ce_type", b"vn.other.v9"), "unknown event"),
        (GOOD.key, GOOD.value, _with(GOOD.headers, "ce_type", b"\xff\xfe"), "unknown event"),
        (GOOD.key, GOOD.value, _with(GOOD.headers, "ce_source", b"\xff\xfe"), "not UTF-8"),
        (GOOD.key, GOOD.value, _with(GOOD.headers, "ce_specversion", b"0.3"), "specversion"),
        (GOOD.key, GOOD.value, [*GOOD.headers, ("ce_type", b"x")], "more than once"),
        (GOOD.key, b"not json", GOOD.headers, "not JSON"),
        (GOOD.key, b'{"learner_id": 1}', GOOD.headers, "Expected"),
        (GOOD.key, None, GOOD.headers, "empty record value"),
        (b"someone-else", GOOD.value, GOOD.headers, "key is not the event's learner id"),
        (None, GOOD.value, GOOD.headers, "key is not the event's learner id"),
        (b"\xff", GOOD.value, GOOD.headers, "key is not the event's learner id"),
    ],
)
def test_records_that_break_the_contract_are_poison_with_a_reason(
    key, value, headers, message
) -> None:
    with pytest.raises(PoisonRecord, match=message):
        decode(inbound(key, value, headers))


@settings(max_examples=400, deadline=None)
@given(
    key=st.one_of(st.none(), st.binary(max_size=40)),
    value=st.one_of(st.none(), st.binary(max_size=200)),
    tamper=st.lists(
        st.tuples(
            st.sampled_from([*dict(GOOD.headers), "x-other"]),
            st.one_of(st.none(), st.binary(max_size=30)),  # Kafka allows null header values
        ),
        max_size=4,
    ),
    keep_value=st.booleans(),
)
def test_any_bytes_anywhere_decode_or_are_poison_and_nothing_else(
    key, value, tamper, keep_value
) -> None:
    headers = [*GOOD.headers, *tamper] if tamper else GOOD.headers
    record = inbound(key, GOOD.value if keep_value else value, headers)
    with contextlib.suppress(PoisonRecord):
        assert isinstance(decode(record), ev.Event)


def test_a_dead_letter_keeps_the_bytes_and_says_what_where_and_who() -> None:
    record = inbound(b"\x00key", b"\xffbody", [("ce_type", b"\xfe"), ("x", b"1")], offset=41)
    headers = dict(dead_letter_headers(record, "PoisonRecord: bad", "stats"))
    assert headers["ce_type"] == b"\xfe" and headers["x"] == b"1"
    assert headers["dlq_origin"] == b"hocvuso.grades.v1/2@41"
    assert headers["dlq_service"] == b"stats" and headers["dlq_error"] == b"PoisonRecord: bad"
    again = dict(dead_letter_headers(record, "PoisonRecord: bad", "stats"))
    other = dict(dead_letter_headers(record, "PoisonRecord: bad", "certs"))
    assert headers["dlq_id"] == again["dlq_id"] != other["dlq_id"]
