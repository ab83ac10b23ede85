"""Talking to the stack's broker directly, as a misbehaving or duplicating producer would."""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from hocvuso.devstack import Stack
from hocvuso.domain.events import DEAD_LETTER_TOPIC, Event
from hocvuso.events.envelope import to_record


def _bootstrap(stack: Stack) -> str:
    return f"127.0.0.1:{stack.kafka_port}"


def produce_raw(stack: Stack, topic: str, key: bytes, value: bytes, headers: list) -> None:
    async def run() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=_bootstrap(stack), enable_idempotence=False)
        await producer.start()
        try:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
        finally:
            await producer.stop()

    asyncio.run(run())


def produce(stack: Stack, event: Event, times: int = 1) -> None:
    record = to_record(event, "/tests")
    for _ in range(times):
        produce_raw(stack, record.topic, record.key, record.value, record.headers)


def read_topic(stack: Stack, topic: str, until, timeout: float = 30) -> list[ConsumerRecord]:
    """Read the topic from the start until `until(records)` holds or time runs out."""

    async def run() -> list[ConsumerRecord]:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=_bootstrap(stack), auto_offset_reset="earliest", group_id=None
        )
        await consumer.start()
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and not until(records):
                batch = await consumer.getmany(timeout_ms=500)
                records += [r for part in batch.values() for r in part]
        finally:
            await consumer.stop()
        return records

    return asyncio.run(run())


def headers_of(record: ConsumerRecord) -> dict[str, str]:
    # Hostile records (test_storm) carry headers that are not UTF-8, and they are kept as
    # sent on the dead-letter topic that other tests read.
    return {k: v.decode(errors="replace") for k, v in record.headers}


RawRecord = tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]


def produce_all(stack: Stack, records: list[RawRecord]) -> list[str]:
    """Send every record and return each one's origin, `topic/partition@offset`."""

    async def run() -> list[str]:
        producer = AIOKafkaProducer(bootstrap_servers=_bootstrap(stack), enable_idempotence=False)
        await producer.start()
        try:
            sent = [
                await producer.send(topic, value, key=key, headers=headers)
                for topic, key, value, headers in records
            ]
            metadata = [await future for future in sent]
        finally:
            await producer.stop()
        return [f"{m.topic}/{m.partition}@{m.offset}" for m in metadata]

    return asyncio.run(run())


def dead_lettered(stack: Stack, service: str, origins: set[str]) -> bool:
    """Whether `service` has dead-lettered every record at `origins` (topic/partition@offset)."""
    seen = {
        headers_of_ours(r).get("dlq_origin")
        for r in read_topic(stack, DEAD_LETTER_TOPIC, lambda rs: False, timeout=0.5)
        if headers_of_ours(r).get("dlq_service") == service
    }
    return origins <= seen


def after_everything_sent(stack: Stack, service: str, key: bytes, topics: list[str]) -> None:
    """Wait until `service` has consumed everything sent so far with `key` on `topics`.

    A poison record with the same key lands behind those records in their partition; once
    the service has dead-lettered it, it has handled all that came before.
    """
    origins = produce_all(stack, [(topic, key, b"\xff sentinel", []) for topic in topics])
    deadline = time.monotonic() + 60
    while not dead_lettered(stack, service, set(origins)):
        if time.monotonic() > deadline:
            raise AssertionError(f"{service} did not reach the sentinels {origins}")
        time.sleep(0.2)


def headers_of_ours(record: ConsumerRecord) -> dict[str, str]:
    """The dead-letter headers, as text (a dead letter may keep broken headers of its own)."""
    return {k: v.decode() for k, v in record.headers if k.startswith("dlq_")}


def group_members(stack: Stack, group: str) -> object:
    """Who the broker thinks is in a consumer group: for a failing test's message."""

    async def run() -> object:
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=_bootstrap(stack))
        await admin.start()
        try:
            return await admin.describe_consumer_groups([group])
        finally:
            await admin.close()

    return asyncio.run(run())
