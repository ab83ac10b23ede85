"""The course's attempt limits in a real enrollment process: the suite's stack runs the
course as a simulation does (limits lifted, see SIMULATION_ENV), so this test starts one
more enrollment instance with v1's rules as `make run` and production use them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hocvuso.devstack import Stack
from tests.e2e.client import Api
from tests.e2e.learning import register, take

PRODUCTION_RULES = {"HOCVUSO_COURSE__UNLIMITED_ATTEMPTS": "false"}


@pytest.fixture(scope="module")
def production_enrollment(stack: Stack) -> Iterator[Api]:
    name = "enrollment-v1-rules"
    url = stack.add_instance("enrollment", name, env=PRODUCTION_RULES)
    try:
        yield Api(url, stack.identity)
    finally:
        stack.stop_service(name)


def test_the_course_in_force_publishes_its_limits(production_enrollment: Api, stack: Stack) -> None:
    rules = production_enrollment.get("/v1/course").json()["rules"]
    assert (rules["quiz_attempts_per_day"], rules["minutes_between_attempts"]) == (3, 10)
    assert (rules["quiz_open_minutes"], rules["exam_open_minutes"]) == (30, 60)
    simulation = Api(stack.url("enrollment"))
    assert simulation.get("/v1/course").json()["rules"]["quiz_attempts_per_day"] is None


def test_a_graded_quiz_cannot_be_retaken_straight_away(production_enrollment: Api) -> None:
    learner = register(production_enrollment, "21025")
    result = take(production_enrollment, learner, 1, right=2)
    assert result["status"] == "graded" and result["result"]["passed"] is False
    again = production_enrollment.post(f"/v1/learners/{learner}/attempts", {"topic": 1})
    assert again.status_code == 409, again.text
    assert again.json()["rule"] == "attempt_cooldown"
    assert 590 <= int(again.headers["retry-after"]) <= 600
    other = production_enrollment.post(f"/v1/learners/{learner}/attempts", {"topic": 2})
    assert other.status_code == 201, "another topic is not cooling down"
