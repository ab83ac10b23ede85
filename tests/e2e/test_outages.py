"""Outages of the broker and the database, on a stack of their own.

While the broker is stalled, writes still answer (the outbox takes them); while the
database is down, writes answer 503 at once; afterwards every accepted write takes effect
exactly once.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hocvuso.devstack import Stack, running_stack
from tests.e2e.client import Api, eventually
from tests.e2e.learning import register, study, take
from tests.e2e.traffic import Traffic

COMMUNE_BROKER, COMMUNE_DATABASE = "21478", "23284"  # Sa Huỳnh; Đăk Cấm


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {"HOCVUSO_KAFKA__STALL_AFTER_SECONDS": "5"}
    with running_stack(Path(tmp_path_factory.mktemp("outages")), extra_env=env) as stack:
        yield stack


def learners_counted(stack: Stack, commune: str) -> int:
    return int(Api(stack.url("stats")).get(f"/v1/stats/communes/{commune}").json()["learners"])


def test_with_the_broker_stalled_writes_answer_and_all_take_effect_once(own_stack: Stack) -> None:
    with Traffic(own_stack.url("enrollment"), COMMUNE_BROKER) as traffic:
        time.sleep(2)
        own_stack.signal("tansu", signal.SIGSTOP)
        try:
            time.sleep(20)
        finally:
            own_stack.signal("tansu", signal.SIGCONT)
        time.sleep(2)
    slowest = max(a.seconds for a in traffic.answers)
    assert slowest < 2.0, f"a request took {slowest:.1f} s"
    assert all(a.status in (201, 503) for a in traffic.answers), {a.status for a in traffic.answers}
    accepted = traffic.accepted()
    assert len(accepted) > 100, "writes kept being accepted through the stall"
    eventually(lambda: learners_counted(own_stack, COMMUNE_BROKER) >= len(accepted), timeout=120)
    time.sleep(2)  # a double count would show up now
    assert learners_counted(own_stack, COMMUNE_BROKER) == len(accepted)


def test_with_the_database_down_writes_fail_fast_and_nothing_accepted_is_lost(
    own_stack: Stack,
) -> None:
    enrollment = Api(own_stack.url("enrollment"))
    learner = register(enrollment, COMMUNE_DATABASE)
    study(enrollment, learner, 1)
    with Traffic(own_stack.url("enrollment"), COMMUNE_DATABASE) as traffic:
        time.sleep(2)
        own_stack.stop_service("mongo")
        try:
            time.sleep(30)
            down = enrollment.get("/readyz")
            assert down.status_code == 503 and down.json()["checks"]["database"] is False
        finally:
            own_stack.start_database()
        time.sleep(3)
    during = [a for a in traffic.answers if a.status != 201]
    assert during, "the outage was noticed"
    assert all(a.status == 503 for a in during), {a.status for a in during}
    assert max(a.seconds for a in traffic.answers) < 2.5
    accepted = traffic.accepted()
    expected = len(accepted) + 1
    eventually(lambda: learners_counted(own_stack, COMMUNE_DATABASE) >= expected, timeout=120)
    assert learners_counted(own_stack, COMMUNE_DATABASE) == expected
    # The stack works on: a quiz is graded and recorded after the outage.
    assert take(enrollment, learner, 1, right=5)["status"] == "graded"
    for accepted_id in accepted[:5]:
        assert enrollment.get(f"/v1/learners/{accepted_id}/progress").status_code == 200
