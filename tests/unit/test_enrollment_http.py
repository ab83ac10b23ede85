"""The enrollment API in-process over the in-memory repository: every refusal is a clear
JSON body with the right status, never a stack trace — no servers needed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hocvuso.course_files import packaged_catalog
from hocvuso.domain.enrollment import MasterData
from hocvuso.reference_data import communes, units
from hocvuso.settings import Settings
from services.enrollment.app import http_app
from services.enrollment.service import Enrollment
from tests.fakes import MemoryLearners


@asynccontextmanager
async def in_memory(app: FastAPI) -> AsyncIterator[None]:
    master = MasterData(
        communes={c.official_code for c in communes()}, units={u.code for u in units()}
    )
    app.state.enrollment = Enrollment(MemoryLearners(), packaged_catalog(), master)
    yield


class Api:
    """The same calls the end-to-end client makes, answered in-process."""

    def __init__(self, client: TestClient) -> None:
        self.http = client

    def get(self, path: str):  # type: ignore[no-untyped-def]
        return self.http.get(path)

    def post(self, path: str, json: object = None):  # type: ignore[no-untyped-def]
        return self.http.post(path, json=json)


@pytest.fixture(scope="module")
def enrollment() -> Iterator[Api]:
    with TestClient(http_app(Settings(), in_memory)) as client:
        yield Api(client)


@pytest.fixture(scope="module")
def learner(enrollment: Api) -> str:
    body = {"full_name": "Lê Văn Tư", "category": "citizen", "commune_code": "21028"}
    return enrollment.post("/v1/learners", body).json()["learner_id"]


def refused(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert "Traceback" not in response.text
    return body


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (
            {"full_name": "A", "category": "citizen", "commune_code": "99999"},
            422,
            "unknown_commune",
        ),
        ({"full_name": "A", "category": "cbccvc", "commune_code": "21025"}, 422, "unit_required"),
        (
            {"full_name": "A", "category": "cbccvc", "commune_code": "21025", "unit_code": "nope"},
            422,
            "unknown_unit",
        ),
        ({"full_name": "A", "category": "alien", "commune_code": "21025"}, 400, "invalid_request"),
        ({"category": "citizen", "commune_code": "21025"}, 400, "invalid_request"),
    ],
)
def test_registration_refusals(enrollment: Api, body: dict, status: int, error: str) -> None:
    refused(enrollment.post("/v1/learners", body), status, error)


def test_malformed_json_is_a_400(enrollment: Api) -> None:
    response = enrollment.http.post(
        "/v1/learners", content=b"{not json", headers={"content-type": "application/json"}
    )
    refused(response, 400, "invalid_request")


@pytest.mark.parametrize("percent", [-1, 101, "80", 50.5])
def test_lesson_percent_must_be_a_whole_number_within_0_100(enrollment, learner, percent) -> None:
    response = enrollment.post(
        f"/v1/learners/{learner}/lessons/t1-l1/progress", {"percent": percent}
    )
    refused(response, 400, "invalid_request")


def test_unknown_learner_and_lesson_are_404(enrollment: Api, learner: str) -> None:
    refused(enrollment.get("/v1/learners/nobody/progress"), 404, "not_found")
    refused(
        enrollment.post(f"/v1/learners/{learner}/lessons/t9-l9/progress", {"percent": 10}),
        404,
        "not_found",
    )
    refused(enrollment.get("/v1/attempts/nothing"), 404, "not_found")


def test_the_exam_before_five_topics_is_refused_with_the_reason(enrollment, learner) -> None:
    body = refused(
        enrollment.post(f"/v1/learners/{learner}/attempts", {"topic": "final"}),
        409,
        "rule_violation",
    )
    assert "all 5 topics" in body["detail"]
    assert body["rule"] == "exam_not_eligible"


@pytest.mark.parametrize("topic", [0, 6, "3", "exam"])
def test_an_attempt_needs_a_topic_1_to_5_or_final(enrollment, learner, topic) -> None:
    refused(
        enrollment.post(f"/v1/learners/{learner}/attempts", {"topic": topic}),
        400,
        "invalid_request",
    )


def test_answers_are_checked_against_the_attempt(enrollment: Api, learner: str) -> None:
    attempt = enrollment.post(f"/v1/learners/{learner}/attempts", {"topic": 2}).json()
    path = f"/v1/attempts/{attempt['attempt_id']}/answers"
    first = attempt["questions"][0]["id"]
    refused(enrollment.post(path, {"answers": {"t5-q99": 1}}), 400, "invalid_answers")
    refused(enrollment.post(path, {"answers": {first: 7}}), 400, "invalid_answers")
    refused(enrollment.post("/v1/attempts/nothing/answers", {"answers": {}}), 404, "not_found")

    assert enrollment.post(path, {"answers": {first: 1}}).status_code == 202
    assert enrollment.post(path, {"answers": {first: 1}}).status_code == 202  # a retry
    refused(enrollment.post(path, {"answers": {first: 2}}), 409, "already_submitted")


def test_a_retried_registration_with_its_idempotency_key_gives_the_same_learner(
    enrollment: Api,
) -> None:
    body = {"full_name": "Trương Thị Chín", "category": "citizen", "commune_code": "21028"}
    key = {"Idempotency-Key": f"portal-form-{id(body)}"}
    first = enrollment.http.post("/v1/learners", json=body, headers=key)
    again = enrollment.http.post("/v1/learners", json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["learner_id"] == again.json()["learner_id"]
    other = enrollment.http.post("/v1/learners", json=body)
    assert other.json()["learner_id"] != first.json()["learner_id"]


def test_a_retried_attempt_start_gives_the_same_attempt(enrollment: Api, learner: str) -> None:
    key = {"Idempotency-Key": "quiz-4-click-1"}
    path = f"/v1/learners/{learner}/attempts"
    first = enrollment.http.post(path, json={"topic": 4}, headers=key)
    again = enrollment.http.post(path, json={"topic": 4}, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
