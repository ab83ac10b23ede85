"""Building a faust app that runs inside a service's event loop, tuned for our brokers."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import faust
from aiokafka.errors import KafkaError
from faust.transport.drivers import aiokafka as faust_aiokafka

from hocvuso.adapters.metrics import DEAD_LETTERS, EVENTS_CONSUMED, EVENTS_PUBLISHED
from hocvuso.domain.events import DEAD_LETTER_TOPIC, Event
from hocvuso.events.envelope import dead_letter_headers, from_record, to_record
from hocvuso.settings import KafkaSettings

log = logging.getLogger(__name__)
_FETCH_WAIT_ATTRIBUTE = "hocvuso_fetch_max_wait_ms"


def _tune_fetch_wait() -> None:
    """Faust hard-codes the consumer's fetch wait at 1,500 ms, which is the latency floor
    of every hop on a broker that does not wake idle fetches; use our setting instead."""
    thread = faust_aiokafka.AIOKafkaConsumerThread
    if getattr(thread, "_hocvuso_tuned", False):
        return
    original = thread._create_worker_consumer

    def create(self, transport):
        consumer = original(self, transport)
        wait = getattr(self.app, _FETCH_WAIT_ATTRIBUTE, None)
        if wait is not None:
            consumer._fetch_max_wait_ms = wait
        return consumer

    thread._create_worker_consumer = create
    thread._hocvuso_tuned = True


def make_faust_app(app_id: str, settings: KafkaSettings) -> faust.App:
    _tune_fetch_wait()
    datadir = Path(tempfile.gettempdir()) / "hocvuso-faust"
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        app_id,
        broker=f"kafka://{settings.bootstrap_servers}",
        web_enabled=False,
        store="memory://",  # tables are rebuilt from their changelog topics on start
        # Faust wants a writable data directory even for memory stores; keep it out of the
        # working tree (and off a read-only container root).
        datadir=str(datadir / "{conf.id}"),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        producer_enable_idempotence=not settings.local_broker,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=6,  # Tansu answers a join after half of it
        broker_heartbeat_interval=2,
        topic_allow_declare=True,
        table_standby_replicas=0,
    )
    setattr(app, _FETCH_WAIT_ATTRIBUTE, settings.fetch_max_wait_ms)
    return app


def raw_topic(app: faust.App, *names: str) -> Any:
    return app.topic(*names, key_serializer="raw", value_serializer="raw")


async def dead_letter(app: faust.App, event: Any, error: str, service: str) -> None:
    """Send a record this service cannot process to the dead-letter topic, with the error."""
    message = event.message
    origin = f"{message.topic}/{message.partition}@{message.offset}"
    headers = dead_letter_headers(event.headers, error, origin, service)
    topic = raw_topic(app, DEAD_LETTER_TOPIC)
    delivered = await topic.send(key=event.key, value=event.value, headers=headers)
    await delivered
    DEAD_LETTERS.labels(service, message.topic).inc()
    log.warning("dead-lettered %s: %s", origin, error)


Handler = Callable[[Event], Awaitable[list[Event]]]


async def publish(app: faust.App, event: Event, service: str) -> None:
    record = to_record(event, f"/hocvuso/{service}")
    delivered = await raw_topic(app, record.topic).send(
        key=record.key, value=record.value, headers=record.headers
    )
    await delivered  # wait for the broker's acknowledgement, not just the send buffer
    EVENTS_PUBLISHED.labels(service, event.type_name).inc()


async def consume(app: faust.App, stream: Any, service: str, handle: Handler) -> None:
    """Decode each record, handle it and publish what the handler returns.

    A record that cannot be decoded or handled goes to the dead-letter topic: handlers
    are deterministic (waiting out outages themselves), so retrying would fail again.
    Publishing is retried until the broker takes it: faust may acknowledge an event whose
    agent crashed, so giving up here could lose a result.
    """
    async for record in stream.events():
        try:
            event = from_record(record.headers, record.value)
            outputs = await handle(event)
        except Exception as exc:
            await dead_letter(app, record, f"{type(exc).__name__}: {exc}", service)
            continue
        for output in outputs:
            await _publish_until_sent(app, output, service)
        EVENTS_CONSUMED.labels(service, event.type_name).inc()


async def _publish_until_sent(app: faust.App, event: Event, service: str) -> None:
    delay = 0.5
    while True:
        try:
            await publish(app, event, service)
            return
        except KafkaError:
            log.exception("could not publish %s; retrying in %.1f s", event.type_name, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
