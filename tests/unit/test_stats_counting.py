"""The stats consumer over its local state: checkpoints with offsets, resuming from them,
a bounded cache, and a read model that catches up after a failed write."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import TopicPartition

from hocvuso.adapters.counting_state import PartitionState, partition_file
from hocvuso.domain import events as ev
from hocvuso.domain.counters import Counts, commune_scope
from hocvuso.events.envelope import InboundRecord
from services.stats.counting import Counting
from tests.fakes import MemoryCounters

NOW = datetime(2025, 11, 11, 2, tzinfo=UTC)
REGISTERED = TopicPartition(ev.LearnerRegistered.topic, 0)
COMPLETED = TopicPartition(ev.TopicCompleted.topic, 0)


def registered(learner_id: str, commune: str = "21025") -> ev.LearnerRegistered:
    return ev.LearnerRegistered(
        learner_id=learner_id,
        full_name="A",
        category="citizen",
        commune_code=commune,
        course_version="v1",
        registered_at=NOW,
    )


def completed(learner_id: str, topic: int) -> ev.TopicCompleted:
    return ev.TopicCompleted(
        learner_id=learner_id, course_version="v1", topic_number=topic, completed_at=NOW
    )


def totals(store: MemoryCounters, scope: str) -> Counts:
    return asyncio.run(store.totals(scope))


async def feed(counting: Counting, offsets: dict[TopicPartition, int], *events: ev.Event) -> None:
    for event in events:
        await counting.handle(event, 0)
    await counting.flush(offsets)
    await counting.publish()


def counting(store: MemoryCounters, tmp_path: Path, cached: int = 1000) -> Counting:
    return Counting(store, {}, tmp_path, cached)


def test_a_batch_is_checkpointed_with_its_offsets_and_published(tmp_path: Path) -> None:
    store = MemoryCounters()
    first = counting(store, tmp_path)

    async def scenario() -> None:
        assert await first.on_assigned({REGISTERED, COMPLETED}) == {REGISTERED: 0, COMPLETED: 0}
        await feed(first, {REGISTERED: 2, COMPLETED: 1}, registered("a"), registered("b"))
        await feed(first, {COMPLETED: 2}, completed("a", 1))

    asyncio.run(scenario())
    counts = totals(store, commune_scope("21025"))
    assert (counts["learners"], counts["topics_completed"]) == (2, 1)
    state = PartitionState(partition_file(tmp_path, 0))
    assert state.offsets() == {REGISTERED.topic: 2, COMPLETED.topic: 2}
    assert state.learner_count() == 2


def test_a_new_process_resumes_where_the_checkpoint_ends_and_redelivery_adds_nothing(
    tmp_path: Path,
) -> None:
    store = MemoryCounters()
    batch = (registered("a"), completed("a", 1))
    asyncio.run(feed(counting(store, tmp_path), {REGISTERED: 1, COMPLETED: 1}, *batch))

    again = counting(store, tmp_path)  # the process was killed and started again

    async def scenario() -> None:
        positions = await again.on_assigned({REGISTERED, COMPLETED})
        assert positions == {REGISTERED: 1, COMPLETED: 1}
        # The group had not committed: the broker hands the batch over once more.
        await feed(again, {REGISTERED: 1, COMPLETED: 1}, *batch)
        await feed(again, {REGISTERED: 2}, registered("b"))

    asyncio.run(scenario())
    counts = totals(store, "province")
    assert (counts["learners"], counts["topics_completed"]) == (2, 1)


def test_a_checkpoint_that_fails_midway_leaves_the_previous_one_whole(tmp_path: Path) -> None:
    """All of a checkpoint or none: the learners, counters and offsets of a batch stay in
    step whatever interrupts the transaction (a kill is the same as this failure)."""
    store = MemoryCounters()
    first = counting(store, tmp_path)
    asyncio.run(feed(first, {REGISTERED: 1}, registered("a")))

    async def interrupted() -> None:
        await first.handle(registered("b"), 0)
        first.partitions[0].state._db.execute(
            "CREATE TRIGGER boom BEFORE INSERT ON offsets "
            "BEGIN SELECT RAISE(ABORT, 'disk gone'); END"
        )
        with pytest.raises(sqlite3.IntegrityError):
            await first.flush({REGISTERED: 2})

    asyncio.run(interrupted())
    state = PartitionState(partition_file(tmp_path, 0))
    assert state.offsets() == {REGISTERED.topic: 1}
    assert state.facts("b") is None
    assert state.scopes()["province"]["learners"] == 1


def test_learners_dropped_from_memory_are_read_back_from_disk(tmp_path: Path) -> None:
    store = MemoryCounters()
    small = counting(store, tmp_path, cached=2)

    async def scenario() -> None:
        await small.on_assigned({REGISTERED, COMPLETED})
        learners = [registered(f"l{i}") for i in range(10)]
        await feed(small, {REGISTERED: 10}, *learners)
        assert len(small.partitions[0].book.learners) == 2
        # A duplicate of a forgotten learner's registration and a new fact about them.
        await feed(small, {REGISTERED: 11, COMPLETED: 1}, registered("l0"), completed("l0", 3))
        await feed(small, {REGISTERED: 12}, registered("l1", commune="21028"))  # a move

    asyncio.run(scenario())
    province = totals(store, "province")
    assert (province["learners"], province["topics_completed"]) == (10, 1)
    assert totals(store, commune_scope("21025"))["learners"] == 9
    assert totals(store, commune_scope("21028"))["learners"] == 1


def test_a_read_model_write_that_failed_is_made_by_the_next_one(tmp_path: Path) -> None:
    store = MemoryCounters(fail_on=1)
    stats = counting(store, tmp_path)

    async def scenario() -> None:
        await stats.on_assigned({REGISTERED})
        with pytest.raises(ConnectionError):
            await feed(stats, {REGISTERED: 1}, registered("a"))
        assert (await store.totals("province"))["learners"] == 0
        await feed(stats, {REGISTERED: 2}, registered("b", commune="21028"))

    asyncio.run(scenario())
    assert totals(store, commune_scope("21025"))["learners"] == 1
    assert totals(store, "province")["learners"] == 2


def test_a_partition_taken_up_again_publishes_its_counters_again(tmp_path: Path) -> None:
    """The process may die after a checkpoint and before the read model got it."""
    with pytest.raises(ConnectionError):
        lost = MemoryCounters(fail_on=1)
        asyncio.run(feed(counting(lost, tmp_path), {REGISTERED: 1}, registered("a")))
    store = MemoryCounters()

    async def scenario() -> None:
        again = counting(store, tmp_path)
        await again.on_assigned({REGISTERED})
        await again.publish()

    asyncio.run(scenario())
    assert totals(store, "province")["learners"] == 1


def test_history_checkpointed_but_not_yet_published_is_published_by_the_next_process(
    tmp_path: Path,
) -> None:
    store = MemoryCounters()
    first = counting(store, tmp_path)
    at = InboundRecord(REGISTERED.topic, 0, 0, b"a", b"", (), 1_700_000_000_500)

    async def killed_before_publishing() -> None:
        await first.on_assigned({REGISTERED})
        first.at(at)  # appended at …000.5 s: second …001
        await first.handle(registered("a"), 0)
        await first.flush({REGISTERED: 1})

    asyncio.run(killed_before_publishing())
    assert store.history == {}
    again = counting(store, tmp_path)

    async def started_again() -> None:
        await again.on_assigned({REGISTERED})
        await again.publish()

    asyncio.run(started_again())
    as_of = asyncio.run(store.totals_as_of("province", 1_700_000_001))
    assert as_of["learners"] == 1
    assert asyncio.run(store.totals_as_of("province", 1_700_000_000))["learners"] == 0
    assert PartitionState(partition_file(tmp_path, 0)).unpublished_history() == {}, "sent"
