"""Master data as each process holds it: the whole master-data topic read from its start,
then followed, into a `MasterBook`.

No consumer group: every process needs every record, and the topic is small (a province
has hundreds of communes and units, a few thousand villages). A process is ready once it
has read to the end the topic had when it started; a change it publishes itself is read
back before the request that made it is answered (`caught_up`), so a manager sees their
change at once on the instance they asked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition

from hocvuso.adapters.backoff import until_done
from hocvuso.adapters.consumer_health import ConsumerHealth
from hocvuso.adapters.kafka import Publisher, inbound
from hocvuso.adapters.runtime import Runtime
from hocvuso.domain.events import MASTER_DATA_TOPIC, MasterDataEvent
from hocvuso.domain.master_data import MasterBook
from hocvuso.domain.progress import RuleViolation
from hocvuso.events.envelope import InboundRecord, PoisonRecord, decode_master_data
from hocvuso.settings import KafkaSettings

log = logging.getLogger(__name__)


class MasterDataFeed:
    name = "master-data"

    def __init__(
        self,
        settings: KafkaSettings,
        book: MasterBook,
        on_change: Callable[[], None] = lambda: None,
        dead_letters: Publisher | None = None,
    ) -> None:
        """`dead_letters`: the publisher of the one service that dead-letters what cannot
        be taken (enrollment, which writes the topic); the others only log it."""
        self.book = book
        self._settings = settings
        self._on_change = on_change
        self._dead_letters = dead_letters
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []
        self._next: dict[TopicPartition, int] = {}  # the offset after the last record taken
        self._progress = asyncio.Condition()

    async def start(self) -> None:
        """Connect and read everything there is; return once the book holds it."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self._settings.fetch_max_wait_ms,
        )
        await consumer.start()
        try:
            partitions = consumer.partitions_for_topic(MASTER_DATA_TOPIC) or {0}
            self._partitions = [TopicPartition(MASTER_DATA_TOPIC, p) for p in sorted(partitions)]
            consumer.assign(self._partitions)
            await consumer.seek_to_beginning(*self._partitions)
            ends = await consumer.end_offsets(self._partitions)
            while not self._reached(ends):
                await self._take(consumer)
        except BaseException:
            await consumer.stop()
            raise
        self._consumer = consumer

    @property
    def running(self) -> bool:
        return self._consumer is not None

    @property
    def healths(self) -> list[ConsumerHealth]:
        return []  # not a group member: no lag to report, it reads to the end on its own

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def follow(self) -> None:
        """Take new records as they come, for ever (the one loop that reads, once started)."""
        consumer = self._require()
        while True:
            await self._take(consumer)
            async with self._progress:
                self._progress.notify_all()

    async def caught_up(self) -> None:
        """Wait until every record the topic holds now is in the book (`follow` reads)."""
        ends = await self._require().end_offsets(self._partitions)
        async with self._progress:
            await self._progress.wait_for(lambda: self._reached(ends))

    def _reached(self, ends: dict[TopicPartition, int]) -> bool:
        return all(self._next.get(tp, 0) >= end for tp, end in ends.items())

    def _require(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError("the master-data feed is not started")
        return self._consumer

    async def _take(self, consumer: AIOKafkaConsumer) -> None:
        batches = await consumer.getmany(timeout_ms=500)
        changed = False
        for tp, records in batches.items():
            for record in records:
                changed |= await self._apply(inbound(record))
            # The consumer's position, not the last offset + 1: it steps over gaps too.
            self._next[tp] = await consumer.position(tp)
        if changed:
            self._on_change()

    async def _apply(self, record: InboundRecord) -> bool:
        try:
            return self.book.apply(decode_master_data(record))
        except (PoisonRecord, RuleViolation) as refused:
            error = refused.reason if isinstance(refused, RuleViolation) else str(refused)
            if self._dead_letters is not None:
                await self._dead_letters.dead_letter(record, error)
            else:
                log.warning("master data record %s left out: %s", record.origin, error)
            return False


async def publish_new_records(
    settings: KafkaSettings, records: Sequence[MasterDataEvent], source: str
) -> int:
    """Publish the records the topic does not hold yet, in order (each checked against
    the records before it); how many were published. Running it again publishes none."""
    book = MasterBook()
    feed = MasterDataFeed(settings, book)
    await feed.start()
    try:
        new = [r for r in records if not book.holds(r)]
        for record in new:
            book.apply(record)  # a bad record fails here, before anything is sent
        if new:
            publisher = Publisher(settings, source)
            await publisher.start()
            try:
                await publisher.publish(new)
            finally:
                await publisher.stop()
        return len(new)
    finally:
        await feed.stop()


async def follow_master_data(
    runtime: Runtime, on_change: Callable[[], None] = lambda: None, owner: bool = False
) -> MasterDataFeed:
    """A service's master data: read whole before it serves, then followed in the
    background. `owner`: this service writes the topic and dead-letters what it cannot take."""
    feed = MasterDataFeed(
        runtime.settings.kafka,
        MasterBook(),
        on_change,
        dead_letters=runtime.publisher if owner else None,
    )
    await until_done(feed.start, "read master data")
    if not feed.book.communes:
        raise MasterDataMissing("no communes on the master-data topic: run `hocvuso seed` first")
    runtime.consumers.append(feed)
    runtime.run_in_background(feed.follow, "master data")
    return feed


class MasterDataMissing(RuntimeError):
    pass
