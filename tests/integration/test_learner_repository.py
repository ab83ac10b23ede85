"""One contract, two implementations: the in-memory fake and MongoDB (real nx-27017,
a fresh database per test). What the service layer relies on holds for both."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import WriteConcern

from hocvuso.adapters.mongo_learners import MongoLearners
from hocvuso.adapters.outbox import OutboxRelay
from hocvuso.adapters.repositories import Account, Outgoing
from hocvuso.domain import events as ev
from hocvuso.domain.enrollment import Attempt, Learner, Profile, Result
from tests.fakes import MemoryLearners

NOW = datetime(2025, 11, 3, 1, 45, tzinfo=UTC)


def learner(learner_id: str = "l1", **changes: Any) -> Learner:
    profile = Profile(
        full_name="Phạm Thị Mười", birth_year=1990, category="citizen", commune_code="21025"
    )
    base = Learner(learner_id=learner_id, profile=profile, course_version="v1", registered_at=NOW)
    return replace(base, **changes)


def progressed(learner_id: str, percent: int) -> Outgoing:
    event = ev.LessonProgressed(
        learner_id=learner_id,
        course_version="v1",
        lesson_id="t1-l1",
        percent=percent,
        reported_at=NOW,
    )
    return Outgoing(f"ce-{percent}", event)


@pytest.fixture(params=["memory", "mongo"])
def repo(request: pytest.FixtureRequest) -> Iterator[Callable[[], Any]]:
    if request.param == "memory":
        yield MemoryLearners
        return
    database = request.getfixturevalue("fresh_database")
    yield lambda: MongoLearners(database(), WriteConcern(w="majority", j=True))


async def relayable(r: Any) -> list[Any]:
    """Everything the relay would publish now: from memory, then from the database."""
    return [*r.unsent(10), *await r.pending(10)]


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def _roundtrip(repo: Any) -> None:
    attempt = Attempt(
        attempt_id="a1",
        pool="1",
        question_ids=("t1-q01", "t1-q02"),
        started_at=NOW,
        status="graded",
        answers={"t1-q01": 2},
        result=Result(correct=4, total=5, passed=True),
    )
    stored = learner(
        lessons={"t1-l1": 80}, attempts={"a1": attempt}, completed_topics=frozenset({1})
    )
    assert await repo.add(stored, [progressed("l1", 80)]) is True
    found = await repo.get("l1")
    assert found is not None and found.learner == stored and found.version >= 1
    assert await repo.get("nobody") is None


def test_a_learner_reads_back_exactly_as_stored(repo: Callable[[], Any]) -> None:
    run(_roundtrip(repo()))


def test_a_taken_id_is_refused_and_nothing_is_written(repo: Callable[[], Any]) -> None:
    async def scenario(r: Any) -> None:
        assert await r.add(learner(), [])
        assert await r.add(learner(lessons={"t1-l1": 5}), [progressed("l1", 5)]) is False
        assert (await r.get("l1")).learner.lessons == {}
        assert await relayable(r) == []

    run(scenario(repo()))


def test_a_save_over_a_stale_read_is_refused(repo: Callable[[], Any]) -> None:
    async def scenario(r: Any) -> None:
        await r.add(learner(), [])
        first, second = await r.get("l1"), await r.get("l1")
        assert await r.save(first, learner(lessons={"t1-l1": 10}), [progressed("l1", 10)])
        assert not await r.save(second, learner(lessons={"t1-l1": 20}), [progressed("l1", 20)])
        now = await r.get("l1")
        assert now.learner.lessons == {"t1-l1": 10}
        assert [o.ce_id for p in await relayable(r) for o in p.events] == ["ce-10"]

    run(scenario(repo()))


def test_concurrent_writes_each_learn_their_own_outcome(repo: Callable[[], Any]) -> None:
    """Writes made at the same moment may share one round trip (MongoDB: one bulk write):
    of two over the same copy exactly one lands, the others all land, and a taken id is
    refused to its second registrant only."""

    async def scenario(r: Any) -> None:
        for n in range(20):
            await r.add(learner(f"l{n}"), [])
        copies = [await r.get(f"l{n}") for n in range(20)]
        stale = await r.get("l0")
        outcomes = await asyncio.gather(
            *(
                r.save(c, learner(f"l{n}", lessons={"t1-l1": 10}), [progressed(f"l{n}", 10)])
                for n, c in enumerate(copies)
            ),
            r.save(stale, learner("l0", lessons={"t1-l1": 20}), [progressed("l0", 20)]),
        )
        assert all(outcomes[1:20]), "every learner's own write landed"
        assert sum(o is not None for o in (outcomes[0], outcomes[20])) == 1
        winner = 10 if outcomes[0] is not None else 20
        assert (await r.get("l0")).learner.lessons == {"t1-l1": winner}
        assert (await r.get("l5")).version == copies[5].version + 1
        added = await asyncio.gather(r.add(learner("new"), []), r.add(learner("new"), []))
        assert sorted(added) == [False, True]
        assert await asyncio.gather(r.get("l3"), r.get("nobody"), r.get("l3")) == [
            await r.get("l3"),
            None,
            await r.get("l3"),
        ]

    run(scenario(repo()))


def test_the_outbox_keeps_order_and_forgets_only_what_was_acknowledged(
    repo: Callable[[], Any],
) -> None:
    async def scenario(r: Any) -> None:
        await r.add(learner(), [progressed("l1", 1)])
        stored = await r.get("l1")
        await r.save(stored, learner(lessons={"t1-l1": 2}), [progressed("l1", 2)])
        (pending,) = await relayable(r)
        assert [o.event.percent for o in pending.events] == [1, 2]
        assert pending.events[0].event == progressed("l1", 1).event
        # A request lands between the relay's read and its acknowledgement.
        stored = await r.get("l1")
        await r.save(stored, learner(lessons={"t1-l1": 3}), [progressed("l1", 3)])
        await r.acknowledge([pending])
        (left,) = await relayable(r)
        assert [o.event.percent for o in left.events] == [3]
        assert await r.count_pending() == 1
        await r.acknowledge([left])
        assert await relayable(r) == [] and await r.count_pending() == 0
        assert (await r.get("l1")).learner.lessons == {"t1-l1": 3}

    run(scenario(repo()))


def test_one_acknowledgement_covers_many_documents_and_nothing_sent_comes_back(
    repo: Callable[[], Any],
) -> None:
    async def scenario(r: Any) -> None:
        for n in range(3):
            await r.add(learner(f"l{n}"), [progressed(f"l{n}", 1)])
        await r.recent("l0")  # kept in memory from before the relay's acknowledgement
        pending = await relayable(r)
        await r.save(await r.get("l1"), learner("l1", lessons={"t1-l1": 2}), [progressed("l1", 2)])
        await r.acknowledge(pending)
        ((key, percents),) = [
            (p.key, [o.event.percent for o in p.events]) for p in await relayable(r)
        ]
        assert (key, percents) == ("l1", [2])
        held = await r.recent("l0")
        assert await r.save(held, learner("l0", lessons={"t1-l1": 5}), [progressed("l0", 5)])
        pending = {p.key: [o.event.percent for o in p.events] for p in await relayable(r)}
        assert pending == {"l0": [5], "l1": [2]}

    run(scenario(repo()))


def test_a_copy_another_instance_made_stale_is_refused_and_read_again(
    fresh_database: Callable[[], Any],
) -> None:
    async def scenario() -> None:
        concern = WriteConcern(w="majority", j=True)
        here, there = (MongoLearners(fresh_database(), concern) for _ in range(2))
        await here.add(learner(), [])
        mine = await here.recent("l1")
        await there.save(await there.get("l1"), learner(lessons={"t1-l1": 9}), [])
        assert await here.recent("l1") == mine, "kept in memory: no round trip"
        assert await here.save(mine, learner(lessons={"t1-l1": 1}), []) is None
        fresh = await here.recent("l1")
        assert fresh is not None and fresh.learner.lessons == {"t1-l1": 9}

    run(scenario())


def test_the_relay_takes_this_process_outboxes_from_memory_and_the_rest_from_the_database(
    fresh_database: Callable[[], Any],
) -> None:
    """What this process wrote is relayed without reading it back, and only once; what a
    process that died left behind is found in the database by the next one."""

    async def scenario() -> None:
        concern = WriteConcern(w="majority", j=True)
        database = fresh_database()
        here = MongoLearners(database, concern)
        await here.add(learner("l1"), [progressed("l1", 1)])
        await here.save(await here.recent("l1"), learner("l1"), [progressed("l1", 2)])
        await here.add(learner("l2"), [])
        (mine,) = here.unsent(10)
        assert (mine.key, [o.event.percent for o in mine.events]) == ("l1", [1, 2])
        assert await here.pending(10) == [], "what memory holds is not read twice"
        restarted = MongoLearners(database, concern)  # the process died before relaying
        assert restarted.unsent(10) == []
        (left,) = await restarted.pending(10)
        assert left == mine
        await here.acknowledge([mine])
        assert here.unsent(10) == [] and await restarted.pending(10) == []

    run(scenario())


class _Broker:
    """Stands in for the publisher: records what the relay hands over."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def publish(self, events: Any, ce_ids: Any) -> None:
        self.sent += list(ce_ids)


def test_a_round_of_the_relay_that_sweeps_still_takes_what_memory_holds(
    fresh_database: Callable[[], Any],
) -> None:
    """The sweep leaves this process's own outboxes to memory, so a round that sweeps must
    take them too: otherwise, with no request to wake the relay, a last event waits."""

    async def scenario() -> None:
        here = MongoLearners(fresh_database(), WriteConcern(w="majority", j=True))
        broker = _Broker()
        relay = OutboxRelay(here, broker, "test", sweep_seconds=0)  # every round sweeps
        await here.add(learner("l1"), [progressed("l1", 1)])
        assert await relay.relay_once() == 1
        assert broker.sent == ["ce-1"]

    run(scenario())


def test_every_sweep_reads_on_so_owed_documents_cannot_hide_one_left_behind(
    fresh_database: Callable[[], Any],
) -> None:
    """Relayed documents owed a clearing are still pending in the database; however many
    of them sort first, a document an earlier process left behind is reached."""

    async def scenario() -> None:
        concern = WriteConcern(w="majority", j=True)
        database = fresh_database()
        here = MongoLearners(database, concern, ack_delay_seconds=60)
        for key in ("a1", "a2", "a3", "a4"):
            await here.add(learner(key), [progressed(key, 1)])
        await here.acknowledge(here.unsent(10))  # relayed, owed a clearing for a minute
        await MongoLearners(database, concern).add(learner("z9"), [progressed("z9", 7)])
        found = [p.key for _ in range(3) for p in await here.pending(2)]
        assert found == ["z9"]

    run(scenario())


def test_an_attempt_is_found_by_its_id(repo: Callable[[], Any]) -> None:
    async def scenario(r: Any) -> None:
        await r.index_attempt("a9", "l1")
        await r.index_attempt("a9", "l1")  # idempotent
        assert await r.owner_of_attempt("a9") == "l1"
        assert await r.owner_of_attempt("zz") is None

    run(scenario(repo()))


def test_relayed_events_are_cleared_by_the_next_write_or_once_the_delay_has_passed(
    fresh_database: Callable[[], Any],
) -> None:
    """With a clearing delay, the relay's acknowledgement costs no write for a document
    written again meanwhile; the others are cleared once due; nothing relayed is relayed
    again by this process, and a process that dies owing clearings publishes them again."""

    async def scenario() -> None:
        concern = WriteConcern(w="majority", j=True)
        database = fresh_database()
        here = MongoLearners(database, concern, ack_delay_seconds=0.3)
        for key in ("l1", "l2"):
            await here.add(learner(key), [progressed(key, 1)])
        relayed = here.unsent(10)
        await here.acknowledge(relayed)
        assert await relayable(here) == [], "relayed once, not again"
        assert await here.count_pending() == 2, "the database not written yet"
        survivor = MongoLearners(database, concern)
        assert len(await survivor.pending(10)) == 2, "after a crash now: published again"

        # l1 is written again: its relayed event leaves the document with that write.
        await here.save(await here.recent("l1"), learner("l1", lessons={"t1-l1": 1}), [])
        assert await here.count_pending() == 1
        assert await here.clear_relayed() == 0, "not due yet"
        await asyncio.sleep(0.35)
        assert await here.clear_relayed() == 1, "only l2 was still owed"
        assert await here.count_pending() == 0 and await survivor.pending(10) == []

        # An event accepted after the relay's read stays owed to the relay, not dropped.
        await here.save(await here.recent("l2"), learner("l2"), [progressed("l2", 2)])
        (left,) = here.unsent(10)
        await here.acknowledge([left])
        await here.save(await here.recent("l2"), learner("l2"), [progressed("l2", 3)])
        (newer,) = await relayable(here)
        assert [o.event.percent for o in newer.events] == [3]
        await here.clear_relayed(everything=True)
        (still,) = await survivor.pending(10)
        assert [o.event.percent for o in still.events] == [3]

    run(scenario())


def test_one_learner_per_account_whatever_arrives_together(repo: Callable[[], Any]) -> None:
    """Registrations stored at the same moment may share one round trip: of two learners
    for one account the first stands, with the request that made it, and the second is
    refused without a trace; each account then names its learner."""

    async def scenario(r: Any) -> None:
        await r.create_indexes()
        accounts = [f"acc-{n}" for n in range(10)]
        firsts = [learner(f"l{n}", account=a) for n, a in enumerate(accounts)]
        rival = learner("other", account="acc-3")
        stored = await asyncio.gather(
            *(r.add(one, [], f"key-{one.learner_id}", "d1") for one in firsts),
            r.add(rival, [progressed("other", 1)], "key-other", "d2"),
        )
        assert stored == [True] * 10 + [False]
        assert await r.get("other") is None, "the refused learner left nothing"
        assert await r.account("acc-3") == Account("acc-3", "l3", "key-l3", "d1")
        assert await r.account("nobody") is None
        saved = await r.save(await r.get("l5"), learner("l5", account="acc-5", placement=1), [])
        assert saved is not None, "a later write of the learner ..."
        assert await r.add(learner("late", account="acc-5"), []) is False, "... keeps the binding"

    run(scenario(repo()))


def test_attempts_indexed_together_are_each_found(repo: Callable[[], Any]) -> None:
    async def scenario(r: Any) -> None:
        await asyncio.gather(*(r.index_attempt(f"a{n}", f"l{n % 3}") for n in range(12)))
        await r.index_attempt("a4", "l1")  # a retried start: the entry stands
        owners = await asyncio.gather(*(r.owner_of_attempt(f"a{n}") for n in range(12)))
        assert owners == [f"l{n % 3}" for n in range(12)]

    run(scenario(repo()))


def test_a_document_written_before_sweep_keys_existed_is_still_relayed(
    fresh_database: Callable[[], Any],
) -> None:
    """The sweep ranges over a `key` field that documents written by older code lack: a
    new process sweeps those once before ranging, so none of their events is lost."""

    async def scenario() -> None:
        concern = WriteConcern(w="majority", j=True)
        database = fresh_database()
        await MongoLearners(database, concern).add(learner("old"), [progressed("old", 3)])
        await database["learners"].update_one({"_id": "old"}, {"$unset": {"key": ""}})
        await MongoLearners(database, concern).add(learner("new"), [progressed("new", 4)])
        later = MongoLearners(database, concern)
        found = {p.key: [o.ce_id for o in p.events] for p in await later.pending(10)}
        assert found == {"old": ["ce-3"], "new": ["ce-4"]}

    run(scenario())
