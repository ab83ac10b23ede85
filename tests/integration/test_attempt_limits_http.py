"""Attempt limits as a learner meets them: the enrollment API over real MongoDB (nx-27017),
the course as v1 runs it in production, and a simulated clock moved by the test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pymongo import WriteConcern

from hocvuso import dev_identity
from hocvuso.adapters.mongo_learners import MongoLearners
from hocvuso.course_files import configured_catalog
from hocvuso.dev_identity import DevIdentity
from hocvuso.domain.enrollment import MasterData
from hocvuso.domain.local_time import VIETNAM
from hocvuso.settings import AuthSettings, CourseSettings, Settings
from services.enrollment.app import http_app
from services.enrollment.service import Enrollment

START = datetime(2025, 11, 3, 8, 0, tzinfo=VIETNAM)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(
    clock: Clock, fresh_database: Callable[[], Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Any]]:
    state = tmp_path_factory.mktemp("identity")
    dev_identity.ensure(state)

    @asynccontextmanager
    async def over_mongo(app: FastAPI) -> AsyncIterator[None]:
        learners = MongoLearners(fresh_database(), WriteConcern(w="majority", j=True))
        await learners.create_indexes()
        catalog = configured_catalog(CourseSettings())  # v1 as production runs it
        master = MasterData(communes={"21025"}, units=set())
        app.state.enrollment = Enrollment(learners, catalog, master, clock=clock)
        yield

    settings = Settings(
        auth=AuthSettings(jwks=str(dev_identity.jwks_path(state)), issuer=dev_identity.ISSUER)
    )
    token = DevIdentity(state).token("learner", "acct-limits")
    headers = {"authorization": f"Bearer {token}"}
    with TestClient(http_app(settings, over_mongo)) as client:

        def call(method: str, path: str, body: object = None) -> Any:
            return client.request(method, path, json=body, headers=headers)

        yield call


@pytest.fixture
def learner(api: Callable[..., Any]) -> str:
    body = {"full_name": "Lê Thị Hai", "birth_year": 1990, "category": "citizen"}
    created = api("POST", "/v1/learners", {**body, "commune_code": "21025"})
    assert created.status_code == 201, created.text
    learner_id: str = created.json()["learner_id"]
    return learner_id


def start(api: Callable[..., Any], learner: str, topic: int | str = 1) -> Any:
    return api("POST", f"/v1/learners/{learner}/attempts", {"topic": topic})


def test_a_quiz_retaken_too_soon_says_when_it_may_be_taken(
    api: Callable[..., Any], learner: str, clock: Clock
) -> None:
    assert start(api, learner).status_code == 201
    clock.advance(minutes=4)
    soon = start(api, learner)
    assert soon.status_code == 409, soon.text
    body = soon.json()
    assert (body["error"], body["rule"]) == ("rule_violation", "attempt_cooldown")
    assert datetime.fromisoformat(body["available_at"]) == START + timedelta(minutes=10)
    assert soon.headers["retry-after"] == "360"
    clock.advance(minutes=6)
    assert start(api, learner).status_code == 201


def test_three_quizzes_a_day_per_topic_then_tomorrow(
    api: Callable[..., Any], learner: str, clock: Clock
) -> None:
    for _ in range(3):
        assert start(api, learner).status_code == 201
        clock.advance(minutes=10)
    assert start(api, learner, topic=2).status_code == 201, "each topic has its own three"
    fourth = start(api, learner)
    assert fourth.status_code == 409 and fourth.json()["rule"] == "daily_attempt_limit"
    midnight = datetime(2025, 11, 4, 0, 0, tzinfo=VIETNAM)
    assert datetime.fromisoformat(fourth.json()["available_at"]) == midnight
    clock.now = midnight
    assert start(api, learner).status_code == 201


def test_an_attempt_left_open_expires_and_takes_no_answers(
    api: Callable[..., Any], learner: str, clock: Clock
) -> None:
    opened = start(api, learner).json()
    assert datetime.fromisoformat(opened["closes_at"]) == START + timedelta(minutes=30)
    answers = {q["id"]: 0 for q in opened["questions"]}
    clock.advance(minutes=31)
    shown = api("GET", f"/v1/attempts/{opened['attempt_id']}").json()
    assert shown["status"] == "expired"
    late = api("POST", f"/v1/attempts/{opened['attempt_id']}/answers", {"answers": answers})
    assert late.status_code == 409 and late.json()["rule"] == "attempt_expired", late.text
    assert "start a new attempt" in late.json()["detail"]
    assert start(api, learner).status_code == 201, "the cool-down has passed long ago"
