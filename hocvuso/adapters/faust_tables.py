"""A faust table read and written a batch at a time (ADR 0010).

Written through faust's `Table.__setitem__`, every write is a changelog record sent on its
own — a produce call, a future, a callback and a RocksDB write of the persisted offset
each — about a fifth of grading's time (measured with py-spy in the bench). Here a batch's
writes are kept, the latest per key, and saved together at the batch's end: the changelog
records go out as one record batch per partition, and once the broker has them they are
applied to RocksDB the way faust applies a changelog it recovers (one write batch and one
persisted offset per partition). So the local store is never ahead of the changelog: a
crash between the two is repaired by faust's recovery at the next start, from the
persisted offset on.

The table stays faust's: same changelog topic and encoding, same RocksDB files, same
recovery and partition assignment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from faust.types import TP


class ChangelogWriter(Protocol):
    async def append(
        self, topic: str, records: Mapping[int, Sequence[tuple[bytes, bytes]]]
    ) -> Mapping[int, int]:
        """Append key/value records to partitions of a topic; once acknowledged, the offset
        of the last record written to each partition."""
        ...


@dataclass(frozen=True, slots=True)
class _Written:
    """A changelog record as faust's store applies one: it reads `event.message.*`."""

    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes

    @property
    def message(self) -> _Written:
        return self

    @property
    def tp(self) -> TP:
        return TP(self.topic, self.partition)


class BatchedTable:
    """A faust table of bytes by string key: `get` sees the batch's own writes, `set` keeps
    the latest value per key until `save`; `discard` forgets a batch not saved."""

    def __init__(self, table: Any, writer: ChangelogWriter) -> None:
        self._table = table
        self._writer = writer
        self._pending: dict[str, tuple[int, bytes]] = {}  # key → (partition, value)

    def get(self, key: str) -> bytes | None:
        """The value as the batch so far left it. Read while a record of the key's
        partition is faust's current event, so the store looks in that partition only."""
        pending = self._pending.get(key)
        if pending is not None:
            return pending[1]
        stored: bytes | None = self._table.data.get(key)
        return stored

    def set(self, key: str, value: bytes, partition: int) -> None:
        """`partition`: the record's, which is the table's (faust co-partitions them)."""
        self._pending[key] = (partition, value)

    def discard(self) -> None:
        self._pending.clear()

    async def save(self) -> None:
        """Send the batch's writes to the changelog and, once acknowledged, to RocksDB.
        Sent again if tried again: a changelog record repeated sets the same value."""
        if not self._pending:
            return
        table, serializers = self._table, self._table.app.serializers
        by_partition: dict[int, list[tuple[bytes, bytes]]] = {}
        for key, (partition, value) in self._pending.items():
            # Encoded as faust encodes a table write, for its changelog and its store alike.
            key_bytes = serializers.dumps_key(table.key_type, key, serializer=table.key_serializer)
            value_bytes = serializers.dumps_value(
                table.value_type, value, serializer=table.value_serializer
            )
            by_partition.setdefault(partition, []).append((key_bytes, value_bytes))
        topic = table.changelog_topic.get_topic_name()
        last = await self._writer.append(topic, by_partition)
        # The store keeps the highest offset of each partition as its persisted offset: the
        # last one written stands for all (faust's own writes leave the same behind).
        table.apply_changelog_batch(
            [
                _Written(topic, partition, last[partition], key, value)
                for partition, pairs in by_partition.items()
                for key, value in pairs
            ]
        )
        self._pending.clear()
