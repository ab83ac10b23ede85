"""Requests that arrive together share their database round trips (group commit), over
real MongoDB (nx-27017): a database that runs one command at a time (nx-27017, and any
single document's writes in MongoDB) serves a crowd of registrations or quiz starts in a
few commands, not one or two per request."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient, WriteConcern

from hocvuso.adapters.mongo_learners import MongoLearners
from hocvuso.devstack import Stack
from hocvuso.domain import enrollment as core
from hocvuso.domain.access import Principal
from hocvuso.domain.course import Catalog
from services.enrollment.service import Enrollment, Request
from tests.mongo_commands import CommandCounter
from tests.unit.course_fixture import tiny_course

NOW = datetime(2025, 11, 3, 8, 45, tzinfo=UTC)
PROFILE = core.Profile(
    full_name="Đỗ Thị Hai", birth_year=1985, category="citizen", commune_code="21025"
)
CROWD = 60


def test_a_crowd_of_registrations_and_starts_shares_round_trips(servers: Stack) -> None:
    async def scenario() -> None:
        commands = CommandCounter()
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            f"mongodb://127.0.0.1:{servers.mongo_port}", event_listeners=[commands], tz_aware=True
        )
        repo = MongoLearners(client["round_trips_test"], WriteConcern(w="majority", j=True))
        await repo.create_indexes()  # as enrollment does when it starts
        enrollment = Enrollment(
            repo, Catalog([tiny_course()]), core.MasterData({"21025"}, set()), clock=lambda: NOW
        )
        callers = [Principal(f"crowd-{n}", "learner") for n in range(CROWD)]
        # Warm the connection pool, so that what is counted is requests' commands only.
        await enrollment.register(Principal("first", "learner"), PROFILE, Request())
        commands.seen.clear()
        registered = await asyncio.gather(
            *(enrollment.register(c, PROFILE, Request()) for c in callers)
        )
        assert all(created for _, created in registered)
        assert len({learner.learner_id for learner, _ in registered}) == CROWD
        # Each request arrives while the previous round trip is under way: a few inserts
        # for all of them (were a lookup and two inserts each, not shared).
        assert sum(commands.seen.values()) <= 4, commands.seen

        commands.seen.clear()
        started = await asyncio.gather(
            *(
                enrollment.start_attempt(c, learner.learner_id, "1", f"q-{n}")
                for n, (c, (learner, _)) in enumerate(zip(callers, registered, strict=True))
            )
        )
        assert all(opened for *_, opened in started)
        assert sum(commands.seen.values()) <= 8, commands.seen

        again, created = await enrollment.register(callers[7], PROFILE, Request())
        assert (again.learner_id, created) == (registered[7][0].learner_id, False)
        await client.close()

    asyncio.run(scenario())
