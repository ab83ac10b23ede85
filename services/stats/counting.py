"""The stats consumer: a plain batch loop over the pure counter book, one book per partition."""

from __future__ import annotations

import logging

from aiokafka import ConsumerRecord, TopicPartition

from hocvuso.adapters.kafka import Publisher
from hocvuso.adapters.metrics import BATCH_SECONDS, EVENTS_CONSUMED
from hocvuso.domain import events as ev
from hocvuso.domain.counters import CounterBook
from hocvuso.events.envelope import UndecodableEvent, from_record
from services.stats.store import StatsStore

log = logging.getLogger(__name__)
TOPICS = (ev.LearnerRegistered.topic, ev.TopicCompleted.topic, ev.CertificateIssued.topic)


class Counting:
    def __init__(
        self, store: StatsStore, publisher: Publisher, unit_parents: dict[str, str | None]
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._unit_parents = unit_parents
        self.books: dict[int, CounterBook] = {}

    async def on_assigned(self, partitions: set[TopicPartition]) -> None:
        for index in sorted({tp.partition for tp in partitions}):
            await self._load(index)

    async def on_revoked(self, partitions: set[TopicPartition]) -> None:
        for index in {tp.partition for tp in partitions}:
            self.books.pop(index, None)

    async def _load(self, index: int) -> CounterBook:
        """Rebuild a partition's counters from its saved learners, then save them back."""
        book = CounterBook(self._unit_parents)
        for learner_id, facts in await self._store.learners_of(index):
            book.load_learner(learner_id, facts)
        _, scopes = book.take_dirty()
        await self._store.save(index, {}, scopes)
        self.books[index] = book
        return book

    async def handle_batch(self, records: list[ConsumerRecord]) -> None:
        with BATCH_SECONDS.labels("stats").time():
            for record in records:
                book = self.books.get(record.partition) or await self._load(record.partition)
                try:
                    event = from_record(record.headers, record.value)
                except UndecodableEvent as exc:
                    await self._publisher.dead_letter(record, f"UndecodableEvent: {exc}")
                    continue
                _count(book, event)
                EVENTS_CONSUMED.labels("stats", event.type_name).inc()
            try:
                await self._save_dirty()
            except Exception:
                # What was taken out of the books never reached the database: forget the
                # books, so the retried batch reloads them and saves its changes again.
                self.books.clear()
                raise

    async def _save_dirty(self) -> None:
        # A rebalance may add or drop books while we await the database.
        for index, book in list(self.books.items()):
            learners, scopes = book.take_dirty()
            if learners or scopes:
                await self._store.save(index, learners, scopes)


def _count(book: CounterBook, event: ev.Event) -> None:
    if isinstance(event, ev.LearnerRegistered):
        book.register(event.learner_id, event.category, event.commune_code, event.unit_code)
    elif isinstance(event, ev.TopicCompleted):
        book.complete_topic(event.learner_id, event.topic_number)
    elif isinstance(event, ev.CertificateIssued):
        book.certify(event.learner_id)
