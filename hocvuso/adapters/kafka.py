"""aiokafka: the one publisher, topic creation, and the batch consumer over `Delivery`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, cast

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import CommitFailedError, TopicAlreadyExistsError
from aiokafka.producer.message_accumulator import BatchBuilder
from prometheus_client import metrics

from hocvuso.adapters.backoff import Backoff, until_done
from hocvuso.adapters.consumer_health import ConsumerHealth
from hocvuso.adapters.delivery import Around, Delivery, as_is
from hocvuso.adapters.failures import always
from hocvuso.adapters.metrics import BATCH_SECONDS, DEAD_LETTERS, EVENTS_PUBLISHED
from hocvuso.domain.events import DEAD_LETTER_TOPIC, TOPIC_PARTITIONS, TOPICS, AnyEvent
from hocvuso.events.envelope import InboundRecord, dead_letter_headers, to_record
from hocvuso.settings import KafkaSettings

log = logging.getLogger(__name__)


async def ensure_topics(settings: KafkaSettings, topics: Sequence[str] = TOPICS) -> list[str]:
    """Create the missing topics; returns the names it created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            replicas = settings.replication_factor
            new = [
                NewTopic(t, TOPIC_PARTITIONS.get(t, settings.partitions), replicas) for t in missing
            ]
            # Another service may win the race; the topic is there either way.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(new)
        return missing
    finally:
        await admin.close()


def make_producer(settings: KafkaSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        enable_idempotence=not settings.local_broker,
        acks="all",
        linger_ms=5,
        request_timeout_ms=settings.request_timeout_ms,
    )


class Publisher:
    """The one way hocvuso sends records: events with their envelope, and dead letters.

    `publish` returns once the broker has acknowledged every event it was given.
    """

    def __init__(self, settings: KafkaSettings, service: str) -> None:
        self._producer = make_producer(settings)
        self._service = service
        self._published: dict[str, metrics.Counter] = {}
        self._tracked: set[str] = set()  # topics whose metadata aiokafka keeps up to date
        self.started = False

    async def start(self) -> None:
        await self._producer.start()
        self.started = True

    async def stop(self) -> None:
        self.started = False
        await self._producer.stop()

    async def publish(self, events: Sequence[AnyEvent], ce_ids: Sequence[str | None] = ()) -> None:
        source = f"/hocvuso/{self._service}"
        ids = list(ce_ids) or [None] * len(events)
        records = [to_record(e, source, ce_id) for e, ce_id in zip(events, ids, strict=True)]
        for topic in {record.topic for record in records}:  # once per batch, not per event
            await self._track(topic)
        pending = []
        for record in records:
            pending.append(
                await self._producer.send(
                    record.topic, record.value, key=record.key, headers=record.headers
                )
            )
        await asyncio.gather(*pending)
        # Counted per type, not per event: looking a labelled counter up costs more than
        # the increment (measured under py-spy in grading, which publishes per batch).
        for type_name, count in Counter(event.type_name for event in events).items():
            published = self._published.get(type_name)
            if published is None:
                published = self._published[type_name] = EVENTS_PUBLISHED.labels(
                    self._service, type_name
                )
            published.inc(count)

    async def append(
        self, topic: str, records: Mapping[int, Sequence[tuple[bytes, bytes]]]
    ) -> dict[int, int]:
        """Raw key/value records (a table's changelog: no envelope), a record batch per
        partition built here rather than a `send` each; returns, once all are acknowledged,
        the offset of the last record written to each partition."""
        await self._track(topic)
        sent = []
        for partition, pairs in records.items():
            batch, count = self._producer.create_batch(), 0
            for key, value in pairs:
                if batch.append(key=key, value=value, timestamp=None) is None:  # full
                    sent.append((partition, count, await self._send(batch, topic, partition)))
                    batch, count = self._producer.create_batch(), 0
                    batch.append(key=key, value=value, timestamp=None)
                count += 1
            sent.append((partition, count, await self._send(batch, topic, partition)))
        last: dict[int, int] = {}
        for partition, count, acknowledged in sent:
            base = (await acknowledged).offset  # a batch's offset is its first record's
            last[partition] = max(last.get(partition, -1), base + count - 1)
        return last

    async def _track(self, topic: str) -> None:
        """aiokafka refreshes the metadata of the topics it tracks only, and tracks a topic
        only once it found it missing; the others come from the first, whole fetch. Tracking
        a first new topic (a changelog, or the dead-letter topic the first time a record is
        dead-lettered) drops them all from the next refresh, and records in flight to them
        wait for a leader until they time out (30 s). So every topic sent to goes through
        here, and the first new one brings every topic known so far."""
        if topic in self._tracked:
            return
        client = self._producer.client
        self._tracked |= {*client.cluster.topics(), topic}
        await client.set_topics(sorted(self._tracked))

    async def _send(self, batch: BatchBuilder, topic: str, partition: int) -> asyncio.Future[Any]:
        return cast(
            "asyncio.Future[Any]",
            await self._producer.send_batch(batch, topic, partition=partition),
        )

    async def dead_letter(self, record: InboundRecord, error: str) -> None:
        headers = dead_letter_headers(record, error, self._service)
        await self._track(DEAD_LETTER_TOPIC)
        await self._producer.send_and_wait(
            DEAD_LETTER_TOPIC, record.value, key=record.key, headers=headers
        )
        DEAD_LETTERS.labels(self._service, record.topic).inc()
        log.warning("dead-lettered %s: %s", record.origin, error)


Positions = Mapping[TopicPartition, int]
# Given the partitions just assigned, where to read each one from; those left out are read
# from the group's committed offset. A service keeping its own position returns it here.
OnAssigned = Callable[[set[TopicPartition]], Awaitable[Positions | None]]
OnRevoked = Callable[[set[TopicPartition]], Awaitable[None]]
# Called with the next offset of every partition in the batch, before they are committed.
Flush = Callable[[Positions], Awaitable[None]]
# Called with a batch's records before they are delivered (to read ahead what they need).
Prepare = Callable[[Sequence[InboundRecord]], Awaitable[None]]


async def _nothing(*_: object) -> None:
    return None


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, consumer: BatchConsumer) -> None:
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        # The rebalance runs beside the consume loop: let the batch in hand finish (saved
        # and committed) before the service drops what it holds for these partitions,
        # or a half-counted batch could be dropped and its offsets committed after all.
        async with self._consumer.batch_lock:
            for tp in revoked:
                self._consumer.delivery.health.forget(tp.topic, tp.partition)
            await self._consumer.on_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self._consumer.take(set(assigned))


def inbound(record: ConsumerRecord) -> InboundRecord:
    return InboundRecord(
        record.topic,
        record.partition,
        record.offset,
        record.key,
        record.value,
        tuple(record.headers or ()),
        record.timestamp,
    )


class BatchConsumer:
    """Reads batches, delivers each record, flushes, and only then commits the offsets.

    Delivery is therefore at least once: a crash between handling and committing
    redelivers the batch, and the handlers are written to make that harmless.
    """

    def __init__(
        self,
        settings: KafkaSettings,
        group_id: str,
        topics: Sequence[str],
        delivery: Delivery,
        flush: Flush = _nothing,
        prepare: Prepare = _nothing,
        on_assigned: OnAssigned = _nothing,
        on_revoked: OnRevoked = _nothing,
        max_records: int = 2000,
        before_each: Callable[[InboundRecord], None] | None = None,
    ) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.bootstrap_servers,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=settings.fetch_max_wait_ms,
            session_timeout_ms=settings.session_timeout_ms,
            group_instance_id=settings.instance_id,
            heartbeat_interval_ms=settings.session_timeout_ms // 3,
            # Range assignment gives partition i of every topic to the same member, and a
            # learner's events sit in the same partition number of every topic.
            partition_assignment_strategy=(RangePartitionAssignor,),
        )
        self.name = group_id
        self.delivery = delivery
        self.on_assigned, self.on_revoked = on_assigned, on_revoked
        self._flush, self._prepare = flush, prepare
        self._before_each = before_each
        self._topics = list(topics)
        self._max_records = max_records
        self._task: asyncio.Task[None] | None = None
        self.batch_lock = asyncio.Lock()
        delivery.health.highwater = self._highwater

    def _highwater(self, topic: str, partition: int) -> int | None:
        try:
            return cast(int | None, self._consumer.highwater(TopicPartition(topic, partition)))
        except Exception:  # not assigned (any more): nothing known
            return None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def healths(self) -> list[ConsumerHealth]:
        return [self.delivery.health]

    async def start(self) -> None:
        self._consumer.subscribe(self._topics, listener=_Rebalance(self))
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name=f"consumer {self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    async def _run(self) -> None:
        """Consume for as long as the service runs: a failure the delivery routine did not
        absorb is logged, and consuming starts again from the last committed offsets."""
        backoff = Backoff(initial=1.0)
        while True:
            try:
                await self._one_batch()
                backoff.reset()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: the consume loop failed; resuming from the last save", self.name)
                await backoff.wait()
                with contextlib.suppress(Exception):
                    await self._resume()

    async def take(self, assigned: set[TopicPartition]) -> None:
        """Let the service load what it keeps for these partitions and go to its positions."""
        positions = await until_done(lambda: self.on_assigned(assigned), "load partitions")
        for tp, offset in (positions or {}).items():
            if offset > 0:
                self._consumer.seek(tp, offset)
            else:
                await self._consumer.seek_to_beginning(tp)

    async def _resume(self) -> None:
        """After a failed batch: drop what the service holds and take it all up again, as
        if the partitions had been reassigned, then read on from what was saved."""
        assigned = set(self._consumer.assignment())
        await self.on_revoked(assigned)
        with contextlib.suppress(Exception):  # partitions never committed: positions below
            await self._consumer.seek_to_committed()
        await self.take(assigned)

    async def _one_batch(self) -> None:
        batches = await self._consumer.getmany(timeout_ms=500, max_records=self._max_records)
        records = [inbound(r) for part in batches.values() for r in part]
        if not records:
            return
        handled = {tp: part[-1].offset + 1 for tp, part in batches.items() if part}
        service = self.delivery.service
        async with self.batch_lock:
            with BATCH_SECONDS.labels(service).time():
                await self._prepare(records)
                await self.delivery.deliver_batch(records, self._around(records))
                # Handled records cannot be dead-lettered any more: their effect must be
                # saved, so any failure here is waited out (and shows as a stall).
                await until_done(
                    lambda: self._flush(handled), f"{service}: save the batch", retry_if=always
                )
            # Only now is the batch's effect kept: a flush waiting out an outage is a stall.
            self.delivery.health.handled_batch(records)
            await self._commit(handled)

    def _around(self, records: list[InboundRecord]) -> Around:
        """What to do before each record is handled: tell `before_each` which it is."""
        before = self._before_each
        if before is None:
            return as_is

        def each(index: int) -> AbstractContextManager[None]:
            before(records[index])
            return nullcontext()

        return each

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        try:
            await until_done(lambda: self._consumer.commit(offsets), "commit offsets")
        except CommitFailedError:
            # The group rebalanced mid-batch; the new owner will see these records again,
            # and handlers are idempotent, so nothing is lost or doubled.
            log.warning("offset commit failed after a rebalance; batch will be redelivered")
