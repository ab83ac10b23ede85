"""Talking to the stack's broker directly: fast producing, raw reading, sentinels.

The bench produces its mixes straight onto the input topics, with the envelope the
services expect, and reads the output topics itself; none of this goes through a service.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.partitioner import murmur2

from hocvuso.devstack import Stack
from hocvuso.domain.events import DEAD_LETTER_TOPIC, Event
from hocvuso.events.envelope import to_record

SOURCE = "/bench"


@dataclass(frozen=True, slots=True)
class Raw:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def raw(event: Event) -> Raw:
    record = to_record(event, SOURCE)
    return Raw(record.topic, record.key, record.value, record.headers)


def bootstrap(stack: Stack) -> str:
    return f"127.0.0.1:{stack.kafka_port}"


def partitions(stack: Stack) -> int:
    return int(stack.env["HOCVUSO_KAFKA__PARTITIONS"])


def partition_of(key: bytes, count: int) -> int:
    """Kafka's default partitioner (murmur2), which every service's producer uses too: a
    learner's events land in the same partition number on every topic."""
    return (int(murmur2(key)) & 0x7FFFFFFF) % count


async def producer(stack: Stack) -> AIOKafkaProducer:
    # Tansu cannot serve idempotent producers; lingering lets records share batches.
    started = AIOKafkaProducer(
        bootstrap_servers=bootstrap(stack), enable_idempotence=False, linger_ms=5
    )
    await started.start()
    return started


async def send_all(sender: AIOKafkaProducer, records: Sequence[Raw], count: int) -> None:
    """Send and wait for every acknowledgement, in record batches built here per partition
    (the client's per-record `send` and its pure-Python partitioner would make the
    producer, not the service measured, the bottleneck). Order within a partition is kept."""
    by_partition: dict[tuple[str, int], list[Raw]] = {}
    for r in records:
        by_partition.setdefault((r.topic, partition_of(r.key, count)), []).append(r)
    futures = []
    for (topic, partition), batch_records in by_partition.items():
        batch = sender.create_batch()
        for r in batch_records:
            if batch.append(key=r.key, value=r.value, timestamp=None, headers=r.headers) is None:
                futures.append(await sender.send_batch(batch, topic, partition=partition))
                batch = sender.create_batch()
                batch.append(key=r.key, value=r.value, timestamp=None, headers=r.headers)
        futures.append(await sender.send_batch(batch, topic, partition=partition))
    await asyncio.gather(*futures)


def produce(stack: Stack, records: Sequence[Raw]) -> None:
    async def run() -> None:
        sender = await producer(stack)
        try:
            await send_all(sender, records, partitions(stack))
        finally:
            await sender.stop()

    asyncio.run(run())


async def reader(stack: Stack, topics: Iterable[str]) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=bootstrap(stack), auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    return consumer


async def end_offsets(stack: Stack, topics: Iterable[str]) -> dict[TopicPartition, int]:
    consumer = await reader(stack, topics)
    try:
        owned = [TopicPartition(t, p) for t in topics for p in range(partitions(stack))]
        ends: dict[TopicPartition, int] = await consumer.end_offsets(owned)
        return ends
    finally:
        await consumer.stop()


async def raw_read_rate(stack: Stack, topics: Sequence[str], records: int) -> float:
    """A plain getmany loop over the first `records` records of `topics`, in records per
    second: the baseline every stream figure is divided by (the same bytes, no decoding).

    The count is given, not asked of the broker: Tansu's end offsets lag the log."""
    consumer = await reader(stack, topics)
    try:
        seen, started = 0, time.perf_counter()
        while seen < records:
            batch = await consumer.getmany(timeout_ms=500)
            seen += sum(len(part) for part in batch.values())
        return seen / (time.perf_counter() - started)
    finally:
        await consumer.stop()


def median_raw_rate(stack: Stack, topics: Sequence[str], records: int, runs: int = 3) -> float:
    """The median of a few reads: one read of a small topic is at the mercy of the scheduler."""
    rates = sorted(asyncio.run(raw_read_rate(stack, topics, records)) for _ in range(runs))
    return rates[len(rates) // 2]


async def watch(
    stack: Stack,
    ends: dict[TopicPartition, int],
    seen: Callable[[Any], None],
    done: Callable[[], bool],
    timeout: float,
) -> bool:
    """Read from `ends` (taken before producing), hand every record to `seen`, until
    `done()`; False when `timeout` ran out first. Tansu's end offsets may lag the log by
    a few records, so `seen` must tolerate records from before."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap(stack), group_id=None)
    await consumer.start()
    try:
        consumer.assign(list(ends))
        for tp, offset in ends.items():
            consumer.seek(tp, offset)
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                return False
            batch = await consumer.getmany(timeout_ms=100)
            for records in batch.values():
                for record in records:
                    seen(record)
        return True
    finally:
        await consumer.stop()


def sentinels(stack: Stack, topic: str) -> list[Raw]:
    """One undecodable record per partition: a service that dead-letters all of them has
    handled everything sent before them on that topic."""
    count = partitions(stack)
    keys = [_key_for_partition(p, count) for p in range(count)]
    return [Raw(topic, key, b"\xff bench sentinel", []) for key in keys]


def _key_for_partition(partition: int, count: int) -> bytes:
    # A fresh key per call: a watcher may re-read a few old dead letters (see above).
    n = 0
    while partition_of(key := f"sentinel-{time.time_ns()}-{n}".encode(), count) != partition:
        n += 1
    return key


async def wait_dead_lettered(
    stack: Stack, service: str, records: Sequence[Raw], timeout: float
) -> bool:
    """Produce `records` (sentinels) and wait until `service` has dead-lettered them all."""
    wanted = len(records)
    found: set[bytes] = set()

    def seen(record: Any) -> None:
        headers = dict(record.headers)
        if headers.get("dlq_service") == service.encode() and record.key in keys:
            found.add(record.key)

    keys = {r.key for r in records}
    ends = await end_offsets(stack, [DEAD_LETTER_TOPIC])
    sender = await producer(stack)
    try:
        await send_all(sender, records, partitions(stack))
    finally:
        await sender.stop()
    return await watch(stack, ends, seen, lambda: len(found) >= wanted, timeout)
