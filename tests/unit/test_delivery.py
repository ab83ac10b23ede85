"""The one consume routine: poison dead-lettered once, transient failures waited out."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from pymongo.errors import AutoReconnect, BulkWriteError, DuplicateKeyError, OperationFailure

from hocvuso.adapters import backoff
from hocvuso.adapters.consumer_health import ConsumerHealth
from hocvuso.adapters.delivery import Delivery
from hocvuso.adapters.failures import is_transient
from hocvuso.adapters.mongo import ConcurrentUpdate
from hocvuso.domain import events as ev
from hocvuso.domain.progress import RuleViolation
from hocvuso.events.envelope import InboundRecord, to_record

NOW = datetime(2025, 11, 11, 2, tzinfo=UTC)


class Bus:
    def __init__(self) -> None:
        self.published: list[ev.Event] = []
        self.dead: list[tuple[str, str]] = []

    async def publish(self, events: Sequence[ev.Event]) -> None:
        self.published += events

    async def dead_letter(self, record: InboundRecord, error: str) -> None:
        self.dead.append((record.origin, error))


def completed(learner: str, topic: int) -> ev.TopicCompleted:
    return ev.TopicCompleted(
        learner_id=learner, course_version="v1", topic_number=topic, completed_at=NOW
    )


def record(event: ev.Event | None, offset: int) -> InboundRecord:
    r = to_record(event or completed("x", 1), "/tests")
    value = r.value if event is not None else b"\xff garbage"
    return InboundRecord(r.topic, 0, offset, r.key, value, tuple(r.headers))


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    async def instant(_: float) -> None:
        return None

    monkeypatch.setattr(backoff.asyncio, "sleep", instant)


def delivery(handler, bus: Bus, clock=lambda: 0.0) -> Delivery:
    return Delivery("tests", handler, bus, ConsumerHealth("tests", "c", 30, clock=clock))


def test_outputs_are_published_and_poison_is_dead_lettered_once_per_process() -> None:
    bus = Bus()

    async def handler(event: ev.Event, partition: int) -> Sequence[ev.Event]:
        return [completed(event.learner_id, 5)]

    d = delivery(handler, bus)
    poison = record(None, 3)

    async def run() -> None:
        await d.deliver(record(completed("a", 1), 1))
        await d.deliver(poison)
        await d.deliver(poison)  # redelivered after a batch retry: not dead-lettered again
        await d.deliver(record(completed("b", 1), 4))

    asyncio.run(run())
    assert [e.learner_id for e in bus.published] == ["a", "b"]
    assert len(bus.dead) == 1
    origin, error = bus.dead[0]
    assert origin == "hocvuso.grades.v1/0@3" and error.startswith("PoisonRecord:")
    assert d.health.lag() == 0


def test_a_transient_failure_is_retried_until_it_passes_and_never_dead_letters() -> None:
    bus, calls = Bus(), []

    async def handler(event: ev.Event, partition: int) -> Sequence[ev.Event]:
        calls.append(event)
        if len(calls) < 4:
            raise AutoReconnect("database restarting")
        return [event]

    asyncio.run(delivery(handler, bus).deliver(record(completed("a", 2), 0)))
    assert len(calls) == 4 and bus.dead == [] and len(bus.published) == 1


def test_a_permanent_refusal_is_dead_lettered_with_its_error() -> None:
    bus = Bus()

    async def handler(event: ev.Event, partition: int) -> Sequence[ev.Event]:
        raise RuleViolation("no such attempt", "unknown_attempt")

    asyncio.run(delivery(handler, bus).deliver(record(completed("a", 2), 9)))
    assert bus.dead == [("hocvuso.grades.v1/0@9", "RuleViolation: no such attempt")]
    assert bus.published == []


def test_a_consumer_with_lag_and_no_progress_for_the_stall_time_is_stalled() -> None:
    now = [0.0]
    health = ConsumerHealth("tests", "stall", stall_after=30, clock=lambda: now[0])
    first, second = record(completed("a", 1), 10), record(completed("a", 2), 11)
    health.received_batch([first, second])
    health.handled_batch([first])
    now[0] = 29.0
    assert health.lag() == 1 and not health.stalled()
    now[0] = 31.0
    assert health.stalled()
    health.highwater = lambda topic, partition: 20  # the broker holds more than we fetched
    assert health.lag() == 9
    health.handled_batch([second])
    assert not health.stalled(), "progress clears the stall"
    health.highwater = lambda topic, partition: 12
    now[0] = 100.0
    assert health.lag() == 0 and not health.stalled(), "an idle consumer is not stalled"


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (AutoReconnect("primary stepped down"), True),
        (OperationFailure("database is locked", code=None), True),
        (BulkWriteError({"writeErrors": [{"code": 1, "errmsg": "locked"}]}), True),
        (DuplicateKeyError("E11000"), False),
        (KafkaConnectionError(), True),
        (MessageSizeTooLargeError(), False),
        (RuleViolation("no", "rule"), False),
        (ValueError("a bug or a bad record"), False),
        (ConcurrentUpdate("busy learner"), True),
    ],
)
def test_the_taxonomy_waits_out_dependencies_and_refuses_what_cannot_succeed(
    error: Exception, transient: bool
) -> None:
    assert is_transient(error) is transient


def test_a_batch_is_delivered_in_order_and_counts_as_handled_only_when_its_owner_says() -> None:
    bus, handled = Bus(), []

    async def handler(event: ev.Event, partition: int) -> Sequence[ev.Event]:
        handled.append(event.learner_id)
        return [completed(event.learner_id, 5)] if event.learner_id == "b" else []

    now = [0.0]
    d = delivery(handler, bus, clock=lambda: now[0])
    batch = [record(completed("a", 1), 7), record(None, 8), record(completed("b", 2), 9)]
    d.health.highwater = lambda topic, partition: 10

    async def run() -> None:
        now[0] = 50.0  # long after the consumer last made progress
        await d.deliver_batch(batch)

    asyncio.run(run())
    assert handled == ["a", "b"]
    assert [e.learner_id for e in bus.published] == ["b"]
    assert [origin for origin, _ in bus.dead] == ["hocvuso.grades.v1/0@8"]
    # Not kept yet (a flush may still be waiting out the database): lag, and a stall.
    assert d.health.lag() == 3 and d.health.stalled()
    d.health.handled_batch(batch)
    assert d.health.lag() == 0 and not d.health.stalled()
