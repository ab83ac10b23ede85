"""Certs' and stats' storage ports: the same assertions against the in-memory fakes and
against MongoDB (real nx-27017, a fresh database per test)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from hocvuso.adapters.mongo_certificates import MongoCertificates
from hocvuso.adapters.mongo_counters import MongoCounters
from hocvuso.domain.counters import empty_counts
from tests.fakes import MemoryCertificates, MemoryCounters

ISSUED = datetime(2025, 11, 20, 3, tzinfo=UTC)


@pytest.fixture(params=["memory", "mongo"])
def certificates(request: pytest.FixtureRequest) -> Callable[[], Any]:
    if request.param == "memory":
        return MemoryCertificates
    database = request.getfixturevalue("fresh_database")
    return lambda: MongoCertificates(database())


@pytest.fixture(params=["memory", "mongo"])
def counters(request: pytest.FixtureRequest) -> Callable[[], Any]:
    if request.param == "memory":
        return MemoryCounters
    database = request.getfixturevalue("fresh_database")
    return lambda: MongoCounters(database())


def certificate(token: str) -> dict[str, Any]:
    return {"_id": "cert-1", "learner_id": "l1", "issued_at": ISSUED, "token": token}


def test_the_first_certificate_stored_is_the_one_every_retry_gets_back(
    certificates: Callable[[], Any],
) -> None:
    async def scenario(store: Any) -> None:
        first = await store.issue_once(certificate("signed-first"))
        again = await store.issue_once(certificate("signed-again"))
        assert first["token"] == again["token"] == "signed-first"
        stored = await store.get("cert-1")
        assert stored["token"] == "signed-first" and stored["issued_at"] == ISSUED
        assert await store.get("nope") is None

    asyncio.run(scenario(certificates()))


def test_counters_are_absolute_per_partition_and_summed_over_partitions(
    counters: Callable[[], Any],
) -> None:
    async def scenario(store: Any) -> None:
        await store.create_indexes()
        counts = {**empty_counts(), "learners": 2, "topics_completed": 2}
        await store.publish(0, {"province": counts}, 10)
        await store.publish(1, {"province": {**empty_counts(), "learners": 5}}, 4)
        await store.publish(0, {"province": {**counts, "learners": 3}}, 12)  # overwrites
        assert (await store.totals("province"))["learners"] == 8
        assert (await store.totals("province"))["topics_completed"] == 2
        assert (await store.totals("commune:00000")) == empty_counts()

    asyncio.run(scenario(counters()))


def test_counters_further_along_are_never_replaced_by_older_ones(
    counters: Callable[[], Any],
) -> None:
    """A member catching up from an older checkpoint must not move figures backwards."""

    async def scenario(store: Any) -> None:
        await store.create_indexes()
        newer = {**empty_counts(), "learners": 7}
        await store.publish(0, {"province": newer, "commune:1": newer}, 20)
        older = {**empty_counts(), "learners": 3}
        await store.publish(0, {"province": older, "commune:2": older}, 15)
        assert (await store.totals("province"))["learners"] == 7
        assert (await store.totals("commune:2"))["learners"] == 3  # new scopes still land
        await store.publish(0, {"province": {**empty_counts(), "learners": 9}}, 20)
        assert (await store.totals("province"))["learners"] == 9  # same position: replaced

    asyncio.run(scenario(counters()))


def test_a_figure_as_of_a_second_is_each_partitions_latest_at_or_before_it_summed(
    counters: Callable[[], Any],
) -> None:
    async def scenario(store: Any) -> None:
        await store.create_indexes()

        def learners(n: int) -> dict[str, int]:
            return {**empty_counts(), "learners": n}

        p0 = {("province", 100): learners(1), ("province", 105): learners(3)}
        await store.publish(0, {"province": learners(3)}, 9, p0)
        await store.publish(1, {"province": learners(10)}, 9, {("province", 103): learners(10)})
        await store.publish(0, {"province": learners(4)}, 10, {("province", 105): learners(4)})
        as_of = {s: (await store.totals_as_of("province", s))["learners"] for s in (99, 100, 104)}
        assert as_of == {99: 0, 100: 1, 104: 11}
        assert (await store.totals_as_of("province", 105))["learners"] == 14, "noted again"
        assert await store.totals_as_of("province", 10**10) == await store.totals("province")
        assert await store.totals_as_of("commune:00000", 105) == empty_counts()

    asyncio.run(scenario(counters()))
