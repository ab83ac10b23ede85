"""The enrollment API in-process over the in-memory repository: every refusal is a clear
JSON body with the right status, never a stack trace — no servers needed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hocvuso import dev_identity
from hocvuso.course_files import packaged_catalog
from hocvuso.dev_identity import DevIdentity
from hocvuso.domain.enrollment import MasterData
from hocvuso.reference_data import communes, units
from hocvuso.settings import AuthSettings, Settings
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
    """The same calls the end-to-end client makes, answered in-process, with a token."""

    def __init__(self, client: TestClient, identity: DevIdentity, account: str) -> None:
        self.http, self._identity = client, identity
        self.headers = {"authorization": f"Bearer {identity.token('learner', account)}"}

    def as_new_learner(self) -> Api:
        """The same app, called by an account nobody used yet."""
        return Api(self.http, self._identity, f"acct-{uuid.uuid4().hex[:8]}")

    def get(self, path: str):  # type: ignore[no-untyped-def]
        return self.http.get(path, headers=self.headers)

    def post(self, path: str, json: object = None, **headers: str):  # type: ignore[no-untyped-def]
        return self.http.post(path, json=json, headers={**self.headers, **headers})


@pytest.fixture(scope="module")
def enrollment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    state = tmp_path_factory.mktemp("identity")
    dev_identity.ensure(state)
    settings = Settings(
        auth=AuthSettings(jwks=str(dev_identity.jwks_path(state)), issuer=dev_identity.ISSUER)
    )
    with TestClient(http_app(settings, in_memory)) as client:
        yield Api(client, DevIdentity(state), "acct-main")


@pytest.fixture(scope="module")
def learner(enrollment: Api) -> str:
    body = {
        "full_name": "Lê Văn Tư",
        "birth_year": 1990,
        "category": "citizen",
        "commune_code": "21028",
    }
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
            {"full_name": "An", "birth_year": 1990, "category": "citizen", "commune_code": "99999"},
            422,
            "unknown_commune",
        ),
        (
            {"full_name": "An", "birth_year": 1990, "category": "cbccvc", "commune_code": "21025"},
            422,
            "unit_required",
        ),
        (
            {
                "full_name": "An",
                "birth_year": 1990,
                "category": "cbccvc",
                "commune_code": "21025",
                "unit_code": "nope",
            },
            422,
            "unknown_unit",
        ),
        (
            {"full_name": "An", "birth_year": 1990, "category": "alien", "commune_code": "21025"},
            400,
            "invalid_request",
        ),
        ({"category": "citizen", "commune_code": "21025"}, 400, "invalid_request"),
    ],
)
def test_registration_refusals(enrollment: Api, body: dict, status: int, error: str) -> None:
    refused(enrollment.as_new_learner().post("/v1/learners", body), status, error)


GOOD = {
    "full_name": "Lê Thị Hai",
    "birth_year": 1990,
    "category": "citizen",
    "commune_code": "21025",
}


@pytest.mark.parametrize(
    ("changes", "status", "error"),
    [
        ({"full_name": "   "}, 422, "invalid_name"),
        ({"full_name": "L"}, 422, "invalid_name"),
        ({"full_name": "Lê\u202eThị"}, 422, "invalid_name"),  # right-to-left override
        ({"full_name": "Lê\u200bThị"}, 422, "invalid_name"),  # zero-width space
        ({"full_name": "Lê\x00Thị"}, 422, "invalid_name"),
        ({"full_name": "L" * 201}, 422, "invalid_name"),
        ({"birth_year": 1899}, 422, "invalid_birth_year"),
        ({"birth_year": 2999}, 422, "invalid_birth_year"),
        ({"birth_year": "1990"}, 400, "invalid_request"),
        ({"birth_year": None}, 400, "invalid_request"),
        ({"unit_code": "so-noi-vu"}, 422, "unit_not_allowed"),  # a citizen names no unit
    ],
)
def test_what_a_registration_may_hold(
    enrollment: Api, changes: dict, status: int, error: str
) -> None:
    refused(enrollment.as_new_learner().post("/v1/learners", {**GOOD, **changes}), status, error)


def test_a_name_is_stored_composed_and_trimmed(enrollment: Api) -> None:
    import unicodedata

    caller = enrollment.as_new_learner()
    raw = "  " + unicodedata.normalize("NFD", "Lê Thị Hai") + " "
    created = caller.post("/v1/learners", {**GOOD, "full_name": raw})
    assert created.status_code == 201
    service = enrollment.http.app.state.enrollment  # type: ignore[attr-defined]
    stored = service.learners.docs[created.json()["learner_id"]][1]
    assert stored.profile.full_name == "Lê Thị Hai"


def test_a_body_that_is_not_json_is_a_415(enrollment: Api) -> None:
    for kind in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {**enrollment.headers, **({"content-type": kind} if kind else {})}
        answer = enrollment.http.post("/v1/learners", content=b"full_name=x", headers=headers)
        refused(answer, 415, "unsupported_media_type")


def test_malformed_json_is_a_400(enrollment: Api) -> None:
    headers = {**enrollment.headers, "content-type": "application/json"}
    response = enrollment.http.post("/v1/learners", content=b"{not json", headers=headers)
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
    every = {q["id"]: 1 for q in attempt["questions"]}
    first = attempt["questions"][0]["id"]
    refused(enrollment.post(path, {"answers": {**every, "t5-q99": 1}}), 400, "invalid_answers")
    refused(enrollment.post(path, {"answers": {**every, first: 7}}), 400, "invalid_answers")
    refused(enrollment.post(path, {"answers": {first: 1}}), 400, "invalid_answers")  # not all
    refused(enrollment.post("/v1/attempts/nothing/answers", {"answers": {}}), 404, "not_found")

    assert enrollment.post(path, {"answers": every}).status_code == 202
    assert enrollment.post(path, {"answers": every}).status_code == 202  # a retry
    refused(enrollment.post(path, {"answers": {**every, first: 2}}), 409, "already_submitted")


def test_one_account_is_one_learner_and_a_key_reused_for_another_body_is_a_422(
    enrollment: Api,
) -> None:
    caller = enrollment.as_new_learner()
    body = {
        "full_name": "Trương Thị Chín",
        "birth_year": 1990,
        "category": "citizen",
        "commune_code": "21028",
    }
    key = "portal-form-1"
    first = caller.post("/v1/learners", body, **{"Idempotency-Key": key})
    again = caller.post("/v1/learners", body, **{"Idempotency-Key": key})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    moved = {**body, "commune_code": "21025"}
    refused(
        caller.post("/v1/learners", moved, **{"Idempotency-Key": key}),
        422,
        "idempotency_key_reused",
    )
    # Without that key, registering again is the existing learner, the new fields ignored.
    plain = caller.post("/v1/learners", moved)
    assert (plain.status_code, plain.json()) == (200, first.json())
    assert caller.get("/v1/me").json()["learner_id"] == first.json()["learner_id"]
    # Another caller's same key reveals nothing of the first: a learner of their own.
    other = caller.as_new_learner().post("/v1/learners", body, **{"Idempotency-Key": key})
    assert other.status_code == 201 and other.json()["learner_id"] != first.json()["learner_id"]


def test_a_retried_attempt_start_gives_the_same_attempt(enrollment: Api, learner: str) -> None:
    key = {"Idempotency-Key": "quiz-4-click-1"}
    path = f"/v1/learners/{learner}/attempts"
    first = enrollment.post(path, {"topic": 4}, **key)
    again = enrollment.post(path, {"topic": 4}, **key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    refused(enrollment.post(path, {"topic": 5}, **key), 422, "idempotency_key_reused")


def test_without_a_valid_token_nothing_of_a_learner_is_reached(
    enrollment: Api, learner: str
) -> None:
    http = enrollment.http
    for headers in ({}, {"authorization": "Bearer not-a-jwt"}, {"authorization": "Basic eDp5"}):
        answer = http.get(f"/v1/learners/{learner}/progress", headers=headers)
        body = refused(answer, 401, "unauthenticated")
        assert answer.headers["www-authenticate"].startswith("Bearer"), body
    assert http.get("/v1/course").status_code == 200  # public
    assert http.get("/healthz").status_code == 200


def test_another_learner_reads_and_changes_nothing_of_this_one(
    enrollment: Api, learner: str
) -> None:
    attempt = enrollment.post(f"/v1/learners/{learner}/attempts", {"topic": 3}).json()
    stranger = enrollment.as_new_learner()
    for answer in (
        stranger.get(f"/v1/learners/{learner}/progress"),
        stranger.post(f"/v1/learners/{learner}/lessons/t1-l1/progress", {"percent": 100}),
        stranger.post(f"/v1/learners/{learner}/attempts", {"topic": 1}),
        stranger.get(f"/v1/attempts/{attempt['attempt_id']}"),
        stranger.post(f"/v1/attempts/{attempt['attempt_id']}/answers", {"answers": {}}),
    ):
        refused(answer, 403, "forbidden")
    assert enrollment.get(f"/v1/attempts/{attempt['attempt_id']}").json()["status"] == "open"
