"""Faust: an app that runs inside a service's event loop, and its agents fed to `Delivery`."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import faust
from faust import streams as faust_streams
from faust.streams import Stream
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, EventT, StreamT, TopicT

from hocvuso.adapters.consumer_health import ConsumerHealth
from hocvuso.adapters.delivery import Around, Delivery
from hocvuso.adapters.faust_eager import make_consumer_eager
from hocvuso.adapters.faust_tables import BatchedTable
from hocvuso.events.envelope import InboundRecord, header_pairs
from hocvuso.settings import KafkaSettings

_FETCH_WAIT_ATTRIBUTE = "hocvuso_fetch_max_wait_ms"


def _tune_fetch_wait() -> None:
    """Faust hard-codes the consumer's fetch wait at 1,500 ms, which is the latency floor
    of every hop on a broker that does not wake idle fetches; use our setting instead."""
    thread: Any = faust_aiokafka.AIOKafkaConsumerThread
    if getattr(thread, "_hocvuso_tuned", False):
        return
    original = thread._create_worker_consumer

    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        wait = getattr(self.app, _FETCH_WAIT_ATTRIBUTE, None)
        if wait is not None:
            consumer._fetch_max_wait_ms = wait
        return consumer

    thread._create_worker_consumer = create
    thread._hocvuso_tuned = True


class _App(faust.App):
    """Faust's app without the per-record bookkeeping nothing here reads (a few percent of
    the certs service's time, measured): its Monitor, kept for faust's web views (off
    here), no longer hears of every record; each record's event is made without looking
    up its class in the settings every time."""

    def on_init_dependencies(self) -> Iterable[Any]:
        dependencies = super().on_init_dependencies()
        self.sensors.remove(self.monitor)  # ConsumerHealth gives lag and progress instead
        return dependencies

    _event_class: Any = None

    def create_event(self, key: Any, value: Any, headers: Any, message: Any) -> EventT[Any]:
        if self._event_class is None:
            self._event_class = self.conf.Event
        return cast(EventT[Any], self._event_class(self, key, value, headers, message))


def make_faust_app(app_id: str, settings: KafkaSettings, state_dir: Path) -> faust.App:
    _tune_fetch_wait()
    make_consumer_eager()
    datadir = state_dir / "faust"
    datadir.mkdir(parents=True, exist_ok=True)
    app = _App(
        app_id,
        broker=f"kafka://{settings.bootstrap_servers}",
        web_enabled=False,
        # Tables on local disk (RocksDB): a restart reads only the changelog written since
        # its last run, and memory does not grow with the number of learners (ADR 0010).
        store="rocksdb://",
        datadir=str(datadir / "{conf.id}"),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        producer_enable_idempotence=not settings.local_broker,
        producer_acks=-1,
        # A table write per event is a changelog record per event: sent as each comes, they
        # made a produce request each, the larger part of grading's work (measured).
        producer_linger_ms=5,
        consumer_auto_offset_reset="earliest",
        consumer_group_instance_id=settings.instance_id,
        broker_session_timeout=settings.session_timeout_ms / 1000,  # Tansu answers after half
        broker_heartbeat_interval=settings.session_timeout_ms / 3000,
        topic_allow_declare=True,
        table_standby_replicas=0,
        # Tansu reports a partition's end as the start of its last record batch plus one,
        # short of the real end, so a table's own saved changelog offset can look past the
        # end and faust would refuse to recover. Kafka reports the end right: keep the check.
        recovery_consistency_check=not settings.local_broker,
    )
    setattr(app, _FETCH_WAIT_ATTRIBUTE, settings.fetch_max_wait_ms)
    return app


def raw_topic(app: faust.App, *names: str) -> TopicT:
    return app.topic(*names, key_serializer="raw", value_serializer="raw")


def inbound(event: EventT[bytes]) -> InboundRecord:
    message = event.message
    return InboundRecord(
        message.topic,
        message.partition,
        message.offset,
        message.key,
        message.value,
        tuple(header_pairs(message.headers)),
        round(message.timestamp * 1000),  # faust gives seconds
    )


def watch_highwater(app: faust.App, delivery: Delivery) -> None:
    def highwater(topic: str, partition: int) -> int | None:
        try:
            return int(app.consumer.highwater(TP(topic, partition)))
        except Exception:  # not started or not assigned: nothing known
            return None

    delivery.health.highwater = highwater


# Records taken at once, and how long to wait for more: a batch's results are published
# together, one broker round trip instead of one per result.
TAKE_RECORDS, TAKE_WITHIN_SECONDS = 500, 0.01


async def consume(stream: StreamT[bytes], delivery: Delivery, *tables: BatchedTable) -> None:
    """The body of every faust agent: batches of records through the one delivery routine,
    the `tables` the handler wrote saved at the end of each.

    Faust acknowledges a taken batch when the loop asks for the next one, so its results
    are published, its state saved (and its poison dead-lettered) before its offsets can
    be committed.
    """

    async def save() -> None:
        await asyncio.gather(*(table.save() for table in tables))

    taking = cast(Stream[bytes], stream)  # `take_events` is missing from faust's StreamT
    async for events in taking.take_events(TAKE_RECORDS, within=TAKE_WITHIN_SECONDS):
        records = [inbound(e) for e in events]
        try:
            await delivery.deliver_batch(records, each=_current(events), save=save)
        finally:  # a batch cut off is taken again: what it left unsaved must not stay
            for table in tables:
                table.discard()
        delivery.health.handled_batch(records)


def _current(events: Sequence[EventT[bytes]]) -> Around:
    """Make each taken event faust's current event while it is handled: a table finds
    the partition it writes to (and its RocksDB store, the database) from it, and only a
    stream iterated one event at a time would set it."""

    @contextmanager
    def current(index: int) -> Iterator[None]:
        token = faust_streams._current_event.set(weakref.ref(events[index]))
        try:
            yield
        finally:
            faust_streams._current_event.reset(token)

    return current


class FaustWorker:
    """A faust app as one of the runtime's consumers."""

    def __init__(self, app: faust.App, *deliveries: Delivery) -> None:
        self.app = app
        self.name = str(app.conf.id)
        self._deliveries = deliveries
        for delivery in deliveries:
            watch_highwater(app, delivery)

    @property
    def running(self) -> bool:
        return bool(self.app.started) and not self.app.should_stop

    @property
    def healths(self) -> list[ConsumerHealth]:
        return [d.health for d in self._deliveries]

    async def start(self) -> None:
        await self.app.start()

    async def stop(self) -> None:
        await self.app.stop()
