"""One partition's counting state on local disk: learners' facts, scope counters, and the
input offsets they cover, all changed together in one SQLite transaction.

Why a local file and not a database round trip per learner: every event of the province
passes through stats, and a remote write per changed learner caps it at the database's
upsert rate. A transaction per consumed batch on local disk costs milliseconds, and because
the offsets are part of it, a process killed at any moment — mid-checkpoint included —
restarts from a state and a position that belong together. WAL with `synchronous=NORMAL`
keeps every committed transaction through a process crash (not through a power cut, which
only costs a replay: see ADR 0009).

The history the counters noted (see `CounterBook.at`) waits here, committed with the
rest, until the read model has it: a crash between the two loses none of it.

The file is a cache of a fold of the input topics, which are kept forever: a partition with
no file here (a new machine, a lost volume) is rebuilt by reading its input from the start.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from hocvuso.domain.counters import Counts, LearnerFacts

_SCHEMA = """
CREATE TABLE IF NOT EXISTS learners (
    id TEXT PRIMARY KEY, registered INTEGER, category TEXT, commune TEXT, unit TEXT,
    topics INTEGER, certificates TEXT, claimed TEXT, placement INTEGER, village TEXT,
    born INTEGER, team INTEGER, helper TEXT, started INTEGER, revoked TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scopes (scope TEXT PRIMARY KEY, counts TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS offsets (topic TEXT PRIMARY KEY, next INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
    scope TEXT, second INTEGER, counts TEXT, PRIMARY KEY (scope, second)
) WITHOUT ROWID;
"""
_PER_QUERY = 500  # ids per query: well under SQLite's limit on bound variables
_COLUMNS = (
    "registered, category, commune, unit, topics, certificates, claimed, placement, village, "
    "born, team, helper, started, revoked"
)
# The layout of the file, in its name: a file of an older layout is left alone and the
# partition is rebuilt from the topics. 3: certificates counted by category too; 4: villages;
# 5: adults by birth year, community-tech teams, who started, revocations; 6: history.
LAYOUT = 6
History = Mapping[tuple[str, int], Counts]  # (scope, second) → the counts then


def partition_file(directory: Path, partition: int) -> Path:
    return directory / f"partition-{partition}.v{LAYOUT}.sqlite"


def _row(learner_id: str, facts: LearnerFacts) -> tuple[Any, ...]:
    topics = sum(1 << t for t in facts.topics)  # a bit per topic number
    return (
        learner_id,
        int(facts.registered),
        facts.category,
        facts.commune,
        facts.unit,
        topics,
        _ids(facts.certificates),
        facts.claimed,
        facts.placement,
        facts.village,
        facts.born,
        int(facts.team),
        facts.helper,
        int(facts.started),
        _ids(facts.revoked),
    )


def _ids(ids: frozenset[str]) -> str | None:
    """Certificate ids (which hold no spaces) as one column; `""` is a certificate whose
    id was not given (a test's), hence the brackets."""
    return " ".join(f"[{i}]" for i in sorted(ids)) or None


def _ids_of(column: str | None) -> frozenset[str]:
    return frozenset(i[1:-1] for i in column.split()) if column else frozenset()


def _facts(row: Sequence[Any]) -> LearnerFacts:
    (
        registered, category, commune, unit, topics, certificates, claimed, placement, village,
        born, team, helper, started, revoked,
    ) = row  # fmt: skip
    numbers = frozenset(t for t in range(topics.bit_length()) if topics >> t & 1)
    return LearnerFacts(
        bool(registered),
        category,
        commune,
        unit,
        numbers,
        _ids_of(certificates),
        claimed,
        placement,
        village,
        born,
        bool(team),
        helper,
        bool(started),
        _ids_of(revoked),
    )


class PartitionState:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Used from the event loop's thread only; each call is a local file access of
        # microseconds (a checkpoint: milliseconds), cheaper than a hop to a thread.
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def facts(self, learner_id: str) -> LearnerFacts | None:
        return self.facts_of((learner_id,)).get(learner_id)

    def facts_of(self, learner_ids: Collection[str]) -> dict[str, LearnerFacts]:
        """The stored facts of those of these learners that are stored, in few queries."""
        found: dict[str, LearnerFacts] = {}
        ids = list(learner_ids)
        for start in range(0, len(ids), _PER_QUERY):
            chunk = ids[start : start + _PER_QUERY]
            rows = self._db.execute(
                f"SELECT id, {_COLUMNS} FROM learners WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for learner_id, *row in rows:
                found[learner_id] = _facts(row)
        return found

    def scopes(self) -> dict[str, Counts]:
        rows = self._db.execute("SELECT scope, counts FROM scopes")
        return {scope: json.loads(counts) for scope, counts in rows}

    def offsets(self) -> dict[str, int]:
        """The next offset to read in each input topic; none yet: read from the start."""
        return dict(self._db.execute("SELECT topic, next FROM offsets").fetchall())

    def learner_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM learners").fetchone()[0])

    def unpublished_history(self) -> dict[tuple[str, int], Counts]:
        rows = self._db.execute("SELECT scope, second, counts FROM history")
        return {(scope, second): json.loads(counts) for scope, second, counts in rows}

    def published_history(self, history: History) -> None:
        """The read model has these: forget them, unless noted again since (and so newer)."""
        self._db.executemany(
            "DELETE FROM history WHERE scope = ? AND second = ? AND counts = ?",
            [(scope, second, json.dumps(c)) for (scope, second), c in history.items()],
        )

    def checkpoint(
        self,
        learners: Mapping[str, LearnerFacts],
        scopes: Mapping[str, Counts],
        offsets: Mapping[str, int],
        history: History | None = None,
    ) -> None:
        """Save what changed and the position it covers, all or nothing."""
        db = self._db
        db.execute("BEGIN")
        try:
            db.executemany(
                f"INSERT OR REPLACE INTO learners VALUES ({', '.join('?' * 15)})",
                [_row(lid, facts) for lid, facts in learners.items()],
            )
            db.executemany(
                "INSERT OR REPLACE INTO scopes VALUES (?, ?)",
                [(scope, json.dumps(counts)) for scope, counts in scopes.items()],
            )
            db.executemany("INSERT OR REPLACE INTO offsets VALUES (?, ?)", offsets.items())
            db.executemany(
                "INSERT OR REPLACE INTO history VALUES (?, ?, ?)",
                [(scope, second, json.dumps(c)) for (scope, second), c in (history or {}).items()],
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()
