"""Publishing, topic creation and a batch consumer loop over aiokafka."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import CommitFailedError, TopicAlreadyExistsError

from hocvuso.adapters.metrics import DEAD_LETTERS, EVENTS_PUBLISHED
from hocvuso.domain.events import DEAD_LETTER_TOPIC, TOPICS, Event
from hocvuso.events.envelope import dead_letter_headers, to_record
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
            new = [NewTopic(t, settings.partitions, settings.replication_factor) for t in missing]
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
    )


class Publisher:
    """Sends events with their envelope, waiting for the broker's acknowledgement."""

    def __init__(self, settings: KafkaSettings, service: str) -> None:
        self._producer = make_producer(settings)
        self._service = service
        self.started = False

    async def start(self) -> None:
        await self._producer.start()
        self.started = True

    async def stop(self) -> None:
        self.started = False
        await self._producer.stop()

    async def publish(self, event: Event) -> None:
        record = to_record(event, f"/hocvuso/{self._service}")
        await self._producer.send_and_wait(
            record.topic, record.value, key=record.key, headers=record.headers
        )
        EVENTS_PUBLISHED.labels(self._service, event.type_name).inc()

    async def dead_letter(self, record: ConsumerRecord, error: str) -> None:
        origin = f"{record.topic}/{record.partition}@{record.offset}"
        headers = dead_letter_headers(record.headers, error, origin, self._service)
        await self._producer.send_and_wait(
            DEAD_LETTER_TOPIC, record.value, key=record.key, headers=headers
        )
        DEAD_LETTERS.labels(self._service, record.topic).inc()
        log.warning("dead-lettered %s: %s", origin, error)


BatchHandler = Callable[[list[ConsumerRecord]], Awaitable[None]]
PartitionsHandler = Callable[[set[TopicPartition]], Awaitable[None]]


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, on_assigned: PartitionsHandler, on_revoked: PartitionsHandler) -> None:
        self._on_assigned, self._on_revoked = on_assigned, on_revoked

    async def on_partitions_revoked(self, revoked) -> None:
        await self._on_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned) -> None:
        await self._on_assigned(set(assigned))


async def _nothing(_: set[TopicPartition]) -> None:
    return None


class BatchConsumer:
    """Reads batches and commits their offsets only after the handler has finished.

    Delivery is therefore at least once: a crash between handling and committing
    redelivers the batch, and the handlers are written to make that harmless.
    """

    def __init__(
        self,
        settings: KafkaSettings,
        group_id: str,
        topics: Sequence[str],
        handle: BatchHandler,
        on_assigned: PartitionsHandler = _nothing,
        on_revoked: PartitionsHandler = _nothing,
        max_records: int = 2000,
    ) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.bootstrap_servers,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=settings.fetch_max_wait_ms,
            session_timeout_ms=6000,
            heartbeat_interval_ms=2000,
            # Range assignment gives partition i of every topic to the same member, and a
            # learner's events sit in the same partition number of every topic.
            partition_assignment_strategy=(RangePartitionAssignor,),
        )
        self._topics = list(topics)
        self._handle = handle
        self._listener = _Rebalance(on_assigned, on_revoked)
        self._max_records = max_records
        self._task: asyncio.Task | None = None
        self.batches = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        self._consumer.subscribe(self._topics, listener=self._listener)
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name="batch-consumer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    async def _run(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=500, max_records=self._max_records)
            records = [r for part in batches.values() for r in part]
            if not records:
                continue
            try:
                await self._handle(records)
            except Exception:
                # Not a poison record (handlers dead-letter those) but a failing
                # dependency: rewind and retry the batch rather than skip it.
                log.exception("batch handler failed; retrying the batch")
                for tp, part in batches.items():
                    self._consumer.seek(tp, part[0].offset)
                await asyncio.sleep(1.0)
                continue
            try:
                await self._consumer.commit()
            except CommitFailedError:
                # The group rebalanced mid-batch; the new owner will see these records
                # again, and handlers are idempotent, so nothing is lost or doubled.
                log.warning("offset commit failed after a rebalance; batch will be redelivered")
                continue
            self.batches += 1
