"""Talking to the stack's broker directly, as a misbehaving or duplicating producer would."""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from hocvuso.devstack import Stack
from hocvuso.domain.events import Event
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
    return {k: v.decode() for k, v in record.headers}


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
