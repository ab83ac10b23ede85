"""The stats consumer: a counter book per owned partition, its state on local disk, and a
read model in MongoDB refreshed from it in the background.

Per consumed batch, each touched partition's changes and the offsets they reach are saved
in one local transaction (`PartitionState.checkpoint`); the read model gets the counters
as of the latest checkpoint a moment later. A partition is picked up where its local state
says — not where the group last committed — so state and position always belong together,
whatever killed the process and when.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import TopicPartition

from hocvuso.adapters.counting_state import PartitionState, partition_file
from hocvuso.adapters.repositories import CounterStore
from hocvuso.domain import events as ev
from hocvuso.domain.counters import CounterBook, Counts
from hocvuso.events.envelope import InboundRecord

TOPICS = (ev.LearnerRegistered.topic, ev.TopicCompleted.topic, ev.CertificateIssued.topic)
log = logging.getLogger(__name__)


@dataclass
class _Partition:
    state: PartitionState
    book: CounterBook
    offsets: dict[str, int]  # the next offset to read per input topic, as checkpointed
    unpublished: dict[str, Counts] = field(default_factory=dict)
    history: dict[tuple[str, int], Counts] = field(default_factory=dict)  # not published yet
    # Learners of the batch in hand that are known not to be stored: no lookup for them.
    unknown: set[str] = field(default_factory=set)

    @property
    def upto(self) -> int:
        return sum(self.offsets.values())


class Counting:
    def __init__(
        self,
        read_model: CounterStore,
        unit_parents: dict[str, str | None],
        state_dir: Path,
        cached_learners: int = 20_000,
    ) -> None:
        self._read_model = read_model
        self._unit_parents = unit_parents
        self._state_dir = state_dir
        self._cached_learners = cached_learners
        self.partitions: dict[int, _Partition] = {}

    def _path(self, index: int) -> Path:
        return partition_file(self._state_dir, index)

    def _open(self, index: int) -> _Partition:
        part = self.partitions.get(index)
        if part is None:
            state = PartitionState(self._path(index))
            book = CounterBook(self._unit_parents)
            book.restore_scopes(state.scopes())
            # Published again on every pick-up: a read model write lost to a crash
            # after the checkpoint is not lost for good.
            part = _Partition(
                state,
                book,
                state.offsets(),
                unpublished=book.scopes.copy(),
                history=state.unpublished_history(),
            )
            self.partitions[index] = part
        return part

    async def on_assigned(self, assigned: set[TopicPartition]) -> dict[TopicPartition, int]:
        """Open the partitions' states; the consumer starts reading where each one ends."""
        positions = {}
        for tp in assigned:
            part = self._open(tp.partition)
            positions[tp] = part.offsets.get(tp.topic, 0)
        return positions

    async def on_revoked(self, revoked: set[TopicPartition]) -> None:
        """Let the partitions go. Nothing is saved here: every handled batch was saved
        before this runs, and after a failed batch what is in memory is not to be kept."""
        for index in {tp.partition for tp in revoked}:
            part = self.partitions.pop(index, None)
            if part is None:
                continue
            try:
                await self._publish_one(index, part)
            except Exception as exc:  # the next owner publishes it all when it opens it
                log.warning("stats read model of partition %d not refreshed: %s", index, exc)
            part.state.close()

    async def prepare(self, records: Sequence[InboundRecord]) -> None:
        """Read the batch's learners that are not in memory in a few queries, rather than
        one query each as their events come."""
        keys: dict[int, set[str]] = {}
        for record in records:
            if record.key is not None:  # a bad key is the decoder's business
                keys.setdefault(record.partition, set()).add(record.key.decode(errors="replace"))
        for index, learner_ids in keys.items():
            part = self._open(index)
            missing = learner_ids - part.book.learners.keys()
            found = part.state.facts_of(missing)
            for learner_id, facts in found.items():
                part.book.remember(learner_id, facts)
            part.unknown = missing - found.keys()

    def at(self, record: InboundRecord) -> None:
        """The record about to be handled: its log time places what it changes in the
        history (in the second it was appended in, rounded up)."""
        if record.timestamp_ms > 0:
            self._open(record.partition).book.at(-(-record.timestamp_ms // 1000))

    async def handle(self, event: ev.Event, partition: int) -> Sequence[ev.Event]:
        part = self._open(partition)
        book, learner_id = part.book, event.learner_id
        if learner_id not in book.learners and learner_id not in part.unknown:
            facts = part.state.facts(learner_id)
            if facts is not None:
                book.remember(learner_id, facts)
        count_event(book, event)
        return ()

    async def flush(self, handled: Mapping[TopicPartition, int]) -> None:
        """Checkpoint each partition the batch touched, with the offsets it reached."""
        for index in sorted({tp.partition for tp in handled}):
            part = self.partitions.get(index)
            if part is None:
                continue  # revoked meanwhile; its next owner reads the batch again
            offsets = {**part.offsets}
            offsets.update({tp.topic: n for tp, n in handled.items() if tp.partition == index})
            learners, scopes, history = part.book.take_dirty()
            try:
                part.state.checkpoint(learners, scopes, offsets, history)
            except BaseException:
                part.book.dirty_learners.update(learners)
                part.book.dirty_scopes.update(scopes)
                part.book.history = {**history, **part.book.history}
                raise
            part.offsets = offsets
            part.unknown = set()
            part.unpublished.update(scopes)
            part.history.update(history)
            self._trim(part.book)

    def _trim(self, book: CounterBook) -> None:
        excess = len(book.learners) - self._cached_learners
        if excess > 0:  # the oldest first: learners come back to the course in bursts
            book.forget(list(itertools.islice(book.learners, excess)))

    async def publish(self) -> None:
        """Bring the read model up to the latest checkpoints."""
        for index, part in list(self.partitions.items()):
            await self._publish_one(index, part)

    async def _publish_one(self, index: int, part: _Partition) -> None:
        pending, part.unpublished = part.unpublished, {}
        history, part.history = part.history, {}
        try:
            await self._read_model.publish(index, pending, part.upto, history)
        except BaseException:
            part.unpublished = {**pending, **part.unpublished}  # newer values win
            part.history = {**history, **part.history}
            raise
        if self.partitions.get(index) is part:  # a revoked one's file is closed: its next
            part.state.published_history(history)  # owner publishes those notes again

    async def publish_forever(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.publish()
            except Exception as exc:  # the database is away: counting goes on, try later
                log.warning("stats read model not refreshed: %s", exc)
                await asyncio.sleep(1.0)


def count_event(book: CounterBook, event: ev.Event) -> None:
    if isinstance(event, ev.LearnerRegistered):
        confirmed = event.unit_confirmed is not False  # None: before confirmation existed
        book.register(
            event.learner_id,
            event.category,
            event.commune_code,
            event.unit_code,
            confirmed,
            event.village,
            born=event.birth_year,
            team=event.community_tech_team,
            helper=event.assisted_by,
        )
    elif isinstance(event, ev.LearnerPlaced):
        book.place(
            event.learner_id,
            event.placement,
            event.commune_code,
            event.unit_code,
            event.unit_confirmed,
            event.village,
        )
    elif isinstance(event, ev.LearnerStarted):
        book.start(event.learner_id)
    elif isinstance(event, ev.TopicCompleted):
        book.complete_topic(event.learner_id, event.topic_number)
    elif isinstance(event, ev.CertificateIssued):
        book.certify(event.learner_id, event.certificate_id)
    elif isinstance(event, ev.CertificateRevoked):
        book.revoke(event.learner_id, event.certificate_id)
