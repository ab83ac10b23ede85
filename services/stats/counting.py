"""The stats consumer: the pure counter book, one per owned partition, saved per batch."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import TopicPartition

from hocvuso.adapters.repositories import CounterStore
from hocvuso.domain import events as ev
from hocvuso.domain.counters import CounterBook

TOPICS = (ev.LearnerRegistered.topic, ev.TopicCompleted.topic, ev.CertificateIssued.topic)


class Counting:
    def __init__(self, store: CounterStore, unit_parents: dict[str, str | None]) -> None:
        self._store = store
        self._unit_parents = unit_parents
        self.books: dict[int, CounterBook] = {}
        self._loading: dict[int, asyncio.Future[CounterBook]] = {}

    async def on_assigned(self, partitions: set[TopicPartition]) -> None:
        for index in sorted({tp.partition for tp in partitions}):
            await self._book(index)

    async def _book(self, index: int) -> CounterBook:
        """The partition's book, loaded once: the rebalance callback and the consume loop
        may both ask for it at the same time, and a second load would replace a book
        holding counts not saved yet."""
        book = self.books.get(index)
        if book is not None:
            return book
        loading = self._loading.get(index)
        if loading is None:
            loading = self._loading[index] = asyncio.ensure_future(self._load(index))
        try:
            book = await asyncio.shield(loading)
        finally:
            if loading.done() and self._loading.get(index) is loading:
                del self._loading[index]
                if not loading.cancelled() and loading.exception() is None:
                    self.books[index] = loading.result()  # unless revoked meanwhile
        return self.books.get(index, book)

    async def on_revoked(self, partitions: set[TopicPartition]) -> None:
        for index in {tp.partition for tp in partitions}:
            self.books.pop(index, None)
            self._loading.pop(index, None)

    async def _load(self, index: int) -> CounterBook:
        """Rebuild a partition's counters from its saved learners, then save them back."""
        book = CounterBook(self._unit_parents)
        for learner_id, facts in await self._store.learners_of(index):
            book.load_learner(learner_id, facts)
        _, scopes = book.take_dirty()
        await self._store.save(index, {}, scopes)
        return book

    async def handle(self, event: ev.Event, partition: int) -> Sequence[ev.Event]:
        _count(await self._book(partition), event)
        return ()

    async def flush(self) -> None:
        """Save what the batch changed; retried by the consumer until the database takes it.

        A failed save marks what it carried dirty again, so the retry writes it.
        """
        # A rebalance may add or drop books while we await the database.
        for index, book in list(self.books.items()):
            learners, scopes = book.take_dirty()
            if not (learners or scopes):
                continue
            try:
                await self._store.save(index, learners, scopes)
            except BaseException:
                book.dirty_learners.update(learners)
                book.dirty_scopes.update(scopes)
                raise


def _count(book: CounterBook, event: ev.Event) -> None:
    if isinstance(event, ev.LearnerRegistered):
        book.register(event.learner_id, event.category, event.commune_code, event.unit_code)
    elif isinstance(event, ev.TopicCompleted):
        book.complete_topic(event.learner_id, event.topic_number)
    elif isinstance(event, ev.CertificateIssued):
        book.certify(event.learner_id)
