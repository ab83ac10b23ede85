"""The stats batch handler: a failed save is retried without losing or doubling counts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiokafka import TopicPartition

from hocvuso.domain import events as ev
from hocvuso.domain.counters import Counts, commune_scope
from services.stats.counting import Counting
from tests.fakes import MemoryCounters

NOW = datetime(2025, 11, 11, 2, tzinfo=UTC)


def totals(store: MemoryCounters, scope: str) -> Counts:
    return asyncio.run(store.totals(scope))


async def feed(counting: Counting, partition: int, *events: ev.Event) -> None:
    for event in events:
        await counting.handle(event, partition)
    await counting.flush()


def registered(learner_id: str) -> ev.LearnerRegistered:
    return ev.LearnerRegistered(
        learner_id=learner_id,
        full_name="A",
        category="citizen",
        commune_code="21025",
        course_version="v1",
        registered_at=NOW,
    )


def completed(learner_id: str, topic: int) -> ev.TopicCompleted:
    return ev.TopicCompleted(
        learner_id=learner_id, course_version="v1", topic_number=topic, completed_at=NOW
    )


def test_a_batch_whose_save_failed_is_counted_exactly_once_when_retried() -> None:
    store = MemoryCounters(
        fail_on=2
    )  # the first save is the partition's load, the second the batch
    counting = Counting(store, {})  # type: ignore[arg-type]
    batch = (registered("a"), completed("a", 1), registered("b"))

    async def run() -> None:
        try:
            await feed(counting, 0, *batch)
        except ConnectionError:
            pass
        else:
            raise AssertionError("the first save should have failed")
        await counting.flush()  # the consumer retries the save, not the batch
        await feed(counting, 0, *batch)  # and a redelivery after that changes nothing

    asyncio.run(run())
    counts = totals(store, commune_scope("21025"))
    assert (counts["learners"], counts["topics_completed"]) == (2, 1)
    assert store.saves == 3, "the redelivery changed nothing, so nothing was written"


def test_counters_are_rebuilt_from_saved_learners_when_a_partition_is_loaded() -> None:
    store = MemoryCounters()
    first = Counting(store, {})  # type: ignore[arg-type]
    asyncio.run(feed(first, 3, registered("a"), completed("a", 2)))
    store.counters.clear()  # as if the process died between saving learners and counters

    second = Counting(store, {})  # type: ignore[arg-type]
    asyncio.run(feed(second, 3, registered("c")))
    counts = totals(store, "province")
    assert (counts["learners"], counts["topics_completed"]) == (2, 1)


def test_a_partition_is_loaded_once_when_the_rebalance_and_a_record_ask_together() -> None:
    """The assignment callback and the first record of a partition may both find its book
    missing; a second load would replace a book holding counts not saved yet."""

    class SlowLoads(MemoryCounters):
        loads = 0

        async def learners_of(self, partition: int):  # type: ignore[no-untyped-def]
            SlowLoads.loads += 1
            await asyncio.sleep(0.01)
            return await super().learners_of(partition)

    store = SlowLoads()
    counting = Counting(store, {})  # type: ignore[arg-type]

    async def scenario() -> None:
        assigned = asyncio.ensure_future(counting.on_assigned({TopicPartition("t", 2)}))
        await counting.handle(registered("a"), 2)
        await assigned
        await counting.flush()

    asyncio.run(scenario())
    assert SlowLoads.loads == 1
    assert totals(store, commune_scope("21025"))["learners"] == 1
