"""Outages and crashes, on a stack of their own.

While the broker is stalled, writes still answer (the outbox takes them); while the
database is down, writes answer 503 at once; a service killed with SIGKILL answers again
within 5 s and consumes again within 15 s; afterwards every accepted write takes effect
exactly once.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pymongo
import pytest

from hocvuso.devstack import SERVICES, SIMULATION_ENV, Stack, running_stack
from hocvuso.domain import events as ev
from hocvuso.events.envelope import to_record
from tests.e2e.client import Api, eventually
from tests.e2e.kafka_tools import (
    RawRecord,
    dead_lettered,
    group_members,
    produce,
    produce_all,
    read_topic,
)
from tests.e2e.learning import register, study, take
from tests.e2e.traffic import Traffic

COMMUNE_BROKER, COMMUNE_DATABASE = "21478", "23284"  # Sa Huỳnh; Đăk Cấm


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {**SIMULATION_ENV, "HOCVUSO_KAFKA__STALL_AFTER_SECONDS": "5"}
    with running_stack(Path(tmp_path_factory.mktemp("outages")), extra_env=env) as stack:
        yield stack


def learners_counted(stack: Stack, commune: str) -> int:
    return int(Api(stack.url("stats")).get(f"/v1/stats/communes/{commune}").json()["learners"])


def test_with_the_database_down_writes_fail_fast_and_nothing_accepted_is_lost(
    own_stack: Stack,
) -> None:
    enrollment = Api(own_stack.url("enrollment"), own_stack.identity)
    learner = register(enrollment, COMMUNE_DATABASE)
    study(enrollment, learner, 1)
    quiz = enrollment.post(f"/v1/learners/{learner}/attempts", {"topic": 2}).json()
    with Traffic(own_stack.url("enrollment"), COMMUNE_DATABASE, own_stack.identity) as traffic:
        time.sleep(2)
        own_stack.stop_service("mongo")
        # A result arrives while the database is down: enrollment cannot record it yet.
        result = ev.AttemptGraded(
            learner_id=learner,
            attempt_id=quiz["attempt_id"],
            course_version="v1",
            pool="2",
            correct=3,
            total=5,
            passed=False,
            graded_at=datetime.now(UTC),
        )
        produce(own_stack, result)
        try:
            time.sleep(30)
            down = enrollment.get("/readyz?detail=1")
            assert down.status_code == 503 and down.json()["checks"]["database"] is False
            consumer = down.json()["consumers"]["hocvuso-enrollment"]
            assert consumer["stalled"] and consumer["lag"] >= 1, consumer
            metrics = enrollment.get("/metrics").text
            assert (
                'hocvuso_consumer_stalled{consumer="hocvuso-enrollment",service="enrollment"} 1.0'
                in metrics
            )
        finally:
            own_stack.start_database()
        time.sleep(3)
    recorded = eventually(
        lambda: (a := enrollment.get(f"/v1/attempts/{quiz['attempt_id']}").json())["result"] and a
    )
    assert recorded["status"] == "graded" and recorded["result"]["correct"] == 3
    during = [a for a in traffic.answers if a.status != 201]
    assert during, "the outage was noticed"
    assert all(a.status == 503 for a in during), {a.status for a in during}
    assert max(a.seconds for a in traffic.answers) < 2.5
    # A 503 may hide a write that was stored after all (the answer was lost, not the
    # write): the client retries with its key and every learner is there exactly once.
    expected = traffic.retry_the_failed() + 1
    try:
        eventually(lambda: learners_counted(own_stack, COMMUNE_DATABASE) >= expected, timeout=120)
    except AssertionError as late:
        counted = learners_counted(own_stack, COMMUNE_DATABASE)
        on_kafka = registrations_on_kafka(own_stack, COMMUNE_DATABASE)
        raise AssertionError(
            f"accepted {expected}, counted {counted}; on Kafka {on_kafka}"
        ) from late
    time.sleep(2)  # a double count would show up now
    assert learners_counted(own_stack, COMMUNE_DATABASE) == expected
    # The stack works on: a quiz is graded and recorded after the outage.
    assert take(enrollment, learner, 1, right=5)["status"] == "graded"


CRASH_COMMUNES = {"enrollment": "23293", "grading": "23302", "certs": "21034", "stats": "21040"}
INPUT_TOPIC = {
    "enrollment": ev.AttemptGraded.topic,
    "grading": ev.AttemptStarted.topic,
    "certs": ev.LearnerRegistered.topic,
    "stats": ev.LearnerRegistered.topic,
}


def seconds_until(check: Callable[[], bool], timeout: float) -> float:
    started = time.monotonic()
    eventually(check, timeout=timeout, every=0.05)
    return time.monotonic() - started


def answers_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def registers(url: str, commune: str, into: list[str], token: str) -> bool:
    """One registration, retried with its key until it is answered (200: an earlier try
    was stored after all)."""
    body = {
        "full_name": "Sau Sự Cố",
        "birth_year": 1990,
        "category": "citizen",
        "commune_code": commune,
    }
    headers = {"Idempotency-Key": f"after-restart-{commune}", "authorization": f"Bearer {token}"}
    try:
        answer = httpx.post(f"{url}/v1/learners", json=body, headers=headers, timeout=1)
    except httpx.HTTPError:
        return False
    if answer.status_code in (200, 201):
        into.append(answer.json()["learner_id"])
    return answer.status_code in (200, 201)


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_killed_mid_stream_is_back_fast_and_its_state_exact(
    own_stack: Stack, service: str
) -> None:
    enrollment, commune = (
        Api(own_stack.url("enrollment"), own_stack.identity),
        CRASH_COMMUNES[service],
    )
    learners = [register(enrollment, commune) for _ in range(3)]
    with Traffic(own_stack.url("enrollment"), commune, own_stack.identity) as traffic:
        for learner in learners[:2]:
            study(enrollment, learner, 1)
        time.sleep(1)
        own_stack.kill(service)
        own_stack.spawn_service(service)
        restarted = time.monotonic()
        url = own_stack.url(service)
        assert seconds_until(lambda: answers_ok(f"{url}/healthz"), 5) < 5
        if service == "enrollment":
            token = own_stack.identity.token("learner", f"after-restart-{commune}")
            assert seconds_until(lambda: registers(url, commune, learners, token), 5) < 5
        (origin,) = produce_all(own_stack, [(INPUT_TOPIC[service], b"k", b"\xff", [])])
        eventually(lambda: dead_lettered(own_stack, service, {origin}), timeout=20, every=0.2)
        resumed = time.monotonic() - restarted
        assert resumed < 15, f"{service}'s consumer resumed after {resumed:.1f} s"
        for learner in learners[:2]:
            assert take(enrollment, learner, 1, right=5)["status"] == "graded"
    own_stack.wait_ready(service)
    # A request cut off by the kill got no answer: the client retries it with its key.
    accepted = traffic.retry_the_failed() + len(learners)
    stats = Api(own_stack.url("stats"))

    def counts() -> dict[str, int]:
        return stats.get(f"/v1/stats/communes/{commune}").json()  # type: ignore[no-any-return]

    def settled() -> dict[str, int] | None:
        now = counts()
        return now if now["learners"] >= accepted and now["topics_completed"] >= 2 else None

    try:
        eventually(settled, 60)
    except AssertionError as late:
        members = group_members(own_stack, "hocvuso-stats")
        on_kafka = registrations_on_kafka(own_stack, commune)
        raise AssertionError(
            f"accepted {accepted}, counted {counts()}; on Kafka {on_kafka}; {members}"
        ) from late
    time.sleep(2)  # a double count would show up now
    final = counts()
    assert (final["learners"], final["topics_completed"]) == (accepted, 2)


def test_stats_workers_joining_and_leaving_mid_stream_keep_the_counts_exact(
    own_stack: Stack,
) -> None:
    commune = "21085"  # Xã Bình Minh
    with Traffic(own_stack.url("enrollment"), commune, own_stack.identity) as traffic:
        time.sleep(2)
        own_stack.add_instance("stats", "stats-2")  # the partitions are shared out
        time.sleep(4)
        own_stack.stop_service("stats-2")  # and handed back
        time.sleep(2)
        own_stack.add_instance("stats", "stats-3")
        time.sleep(3)
        own_stack.kill("stats-3")  # a crash, this time
        time.sleep(2)
    accepted = traffic.retry_the_failed()
    eventually(lambda: learners_counted(own_stack, commune) >= accepted, timeout=60)
    time.sleep(2)
    assert learners_counted(own_stack, commune) == accepted


def registrations_on_kafka(stack: Stack, commune: str) -> dict[str, object]:
    """Which learners of the commune the learners topic holds, per partition: tells a
    registration that never reached Kafka from one that stats did not count."""
    records = read_topic(stack, ev.LearnerRegistered.topic, lambda _: False, timeout=3)
    learners: dict[int, set[bytes]] = {}
    for r in records:
        if commune.encode() in (r.value or b""):
            learners.setdefault(r.partition, set()).add(r.key)
    with pymongo.MongoClient(f"mongodb://127.0.0.1:{stack.mongo_port}") as client:
        docs = client["hocvuso_enrollment"]["learners"]
        in_outbox = docs.count_documents({"pending": True, "learner.profile.commune_code": commune})
        stored = docs.count_documents({"learner.profile.commune_code": commune})
        held = [
            (d["_id"], d.get("_v"), d.get("outbox_last"), [e.get("seq") for e in d["outbox"]])
            for d in docs.find({"pending": True}).limit(5)
        ]
        pending_anywhere = docs.count_documents({"pending": True})
    return {
        "distinct": len(set().union(*learners.values())) if learners else 0,
        "per_partition": {p: len(keys) for p, keys in sorted(learners.items())},
        "stored_by_enrollment": stored,
        "still_in_an_outbox": in_outbox,
        "pending_anywhere": pending_anywhere,
        "held": held,
    }


FAULTS = Path(__file__).parent / "faults"


def registrations(commune: str, count: int, prefix: str) -> list[RawRecord]:
    at = datetime(2025, 11, 20, tzinfo=UTC)
    events = [
        ev.LearnerRegistered(
            learner_id=f"{prefix}-{i}",
            full_name="Kiểm Tra",
            category="citizen",
            commune_code=commune,
            course_version="v1",
            registered_at=at,
        )
        for i in range(count)
    ]
    records = [to_record(e, "/tests") for e in events]
    return [(r.topic, r.key, r.value, r.headers) for r in records]


def test_stats_killed_in_the_middle_of_a_checkpoint_counts_exactly_after_restart(
    own_stack: Stack,
) -> None:
    """The process dies after writing a checkpoint's rows and before they commit; the
    next process starts from the checkpoint before and counts every learner once."""
    commune, learners = "21109", 6000  # Xã Đông Sơn
    own_stack.kill("stats")
    dying = own_stack.spawn_service(
        "stats", env={"PYTHONPATH": str(FAULTS), "HOCVUSO_FAULT_KILL_IN_CHECKPOINT": "3"}
    )
    for part in range(3):  # several batches, so that several checkpoints are made
        produce_all(own_stack, registrations(commune, learners // 3, f"ckpt-{part}"))
    assert dying.wait(timeout=60) == -signal.SIGKILL, "the fault did not fire"
    # Every learner registered twice over: what the dead process saved must not count twice.
    produce_all(own_stack, registrations(commune, learners // 3, "ckpt-0"))
    own_stack.start_service("stats")
    eventually(lambda: learners_counted(own_stack, commune) >= learners, timeout=60)
    time.sleep(1)  # a double count would show up now
    assert learners_counted(own_stack, commune) == learners


# Last on this stack: after Tansu has been SIGSTOPped, its group coordinator was seen not to
# expire the session of a member killed later (real Kafka does), which would fail a crash
# test for the broker's sake, not ours.
def test_with_the_broker_stalled_writes_answer_and_all_take_effect_once(own_stack: Stack) -> None:
    with Traffic(own_stack.url("enrollment"), COMMUNE_BROKER, own_stack.identity) as traffic:
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
    assert traffic.accepted() > 100, "writes kept being accepted through the stall"
    expected = traffic.retry_the_failed()
    eventually(lambda: learners_counted(own_stack, COMMUNE_BROKER) >= expected, timeout=120)
    time.sleep(2)  # a double count would show up now
    assert learners_counted(own_stack, COMMUNE_BROKER) == expected
