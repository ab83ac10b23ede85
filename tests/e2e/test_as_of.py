"""Figures as of a moment, against the running stack: equal to what was read live then,
equal to a recount of the log up to a moment nobody read, and letter 003's summary."""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from hocvuso.devstack import Stack
from hocvuso.domain import events as ev
from hocvuso.domain.counters import CounterBook, village_scope
from hocvuso.events.envelope import InboundRecord, decode, to_record
from services.stats.counting import count_event
from tests.bench.mix import NOW, _certificate, registration
from tests.e2e.client import eventually
from tests.e2e.kafka_tools import produce_all, read_topic

COMMUNE = "21025"
COMPARED = ("learners", "certificates", "learners_started", "learners_by_category", "adults")


def _send(stack: Stack, events: list[ev.Event]) -> None:
    records = [to_record(e, "/tests") for e in events]
    produce_all(stack, [(r.topic, r.key, r.value, list(r.headers)) for r in records])


def _past_a_second() -> datetime:
    """A moment at least a second after everything sent so far, and before anything sent
    next: history is kept to the second."""
    time.sleep(1.1)
    moment = datetime.now(UTC)
    time.sleep(1.1)
    return moment


def _recount(
    stack: Stack, learners: set[str], sent: dict[str, int], until: datetime
) -> CounterBook:
    """Count again from the log: every record of these learners appended up to `until`
    (`sent`: how many records of theirs each topic holds)."""
    book = CounterBook({})
    last_ms = math.floor(until.timestamp()) * 1000

    def ours(records: list) -> list:
        return [r for r in records if r.key and r.key.decode(errors="replace") in learners]

    for topic, count in sent.items():
        for r in ours(read_topic(stack, topic, until=lambda rs, n=count: len(ours(rs)) >= n)):
            if r.timestamp <= last_ms:
                inbound = InboundRecord(
                    r.topic, r.partition, r.offset, r.key, r.value, tuple(r.headers)
                )
                count_event(book, decode(inbound))
    return book


def test_as_of_equals_what_was_read_live_then_and_a_recount_of_the_log(stack: Stack) -> None:
    admin = stack.identity.token("commune_manager", "m-asof", COMMUNE)
    village = f"asof-{uuid.uuid4().hex[:6]}"
    created = httpx.put(
        f"{stack.url('enrollment')}/v1/communes/{COMMUNE}/villages/{village}",
        json={"name": "Thôn Lịch Sử", "adult_population": 100},
        headers={"authorization": f"Bearer {admin}"},
        timeout=15,
    )
    assert created.status_code == 200, created.text
    stats = httpx.Client(base_url=stack.url("stats"), timeout=15)
    path = f"/v1/stats/communes/{COMMUNE}/villages/{village}"

    def learner(n: int) -> ev.Event:
        base = registration(f"{village}-{n}", "citizen" if n % 3 else "hssv", COMMUNE, None)
        return replace(base, village=village, birth_year=1950 + n)

    def shows(learners: int, certificates: int) -> dict | None:
        body = stats.get(path).json()
        done = (body["learners"], body["certificates"]) == (learners, certificates)
        return body if done else None

    before = _past_a_second()
    _send(
        stack, [learner(n) for n in range(30)] + [_certificate(f"{village}-{n}") for n in range(10)]
    )
    eventually(lambda: shows(30, 10))
    between = _past_a_second()
    live_then = stats.get(path).json()
    first = _certificate(f"{village}-0")
    assert isinstance(first, ev.CertificateIssued)
    revoked = ev.CertificateRevoked(
        learner_id=first.learner_id,
        certificate_id=first.certificate_id,
        course_version="v1",
        reason="cấp nhầm",
        revoked_by="admin",
        revoked_at=NOW,
    )
    started = [
        ev.LearnerStarted(learner_id=f"{village}-{n}", course_version="v1", started_at=NOW)
        for n in range(5)
    ]
    _send(stack, [learner(n) for n in range(30, 50)] + started + [revoked])
    eventually(lambda: shows(50, 9))
    after = _past_a_second()

    def as_of(moment: datetime) -> dict:
        answer = stats.get(path, params={"as_of": moment.isoformat()})
        assert answer.status_code == 200, answer.text
        return answer.json()

    then = as_of(between)
    assert {k: then[k] for k in COMPARED} == {k: live_then[k] for k in COMPARED}
    assert then["as_of"] is not None and live_then["as_of"] is None
    assert as_of(before)["learners"] == 0
    now = as_of(after)
    assert {k: now[k] for k in COMPARED} == {k: stats.get(path).json()[k] for k in COMPARED}

    ours = {f"{village}-{n}" for n in range(50)}
    scope = village_scope(COMMUNE, village)
    for moment, answer in ((between, then), (after, now)):
        sent = {ev.LearnerRegistered.topic: 55, ev.CertificateIssued.topic: 11}
        recounted = _recount(stack, ours, sent, moment).counts(scope)
        got = (answer["learners"], answer["certificates"], answer["learners_started"])
        assert got == (
            recounted["learners"],
            recounted["certificates"],
            recounted["learners_started"],
        )


@pytest.mark.parametrize(
    ("as_of", "says"),
    [
        ((datetime.now(UTC) + timedelta(days=1)).isoformat(), "in the future"),
        ("2024-01-01T00:00:00+07:00", "before the campaign"),
        ("2025-11-11T09:00:00", "offset"),
        ("yesterday", "ISO 8601"),
    ],
)
def test_an_as_of_that_names_no_moment_of_the_campaign_is_a_clear_400(
    stack: Stack, as_of: str, says: str
) -> None:
    answer = httpx.get(f"{stack.url('stats')}/v1/stats/province", params={"as_of": as_of})
    assert answer.status_code == 400
    assert says in str(answer.json()["detail"])


def test_letter_003_rebuilt_the_summary_reads_as_the_letter_writes(stack: Stack) -> None:
    """119,285 learners = 44,683 cbccvc + 74,602 others, 88,064 certified: 73,8%. The
    province counts every other test's learners too, so the letter's figures are added to
    what it showed before, and the sentence is checked on those exact figures in the unit
    tests of the summary."""
    stats = httpx.Client(base_url=stack.url("stats"), timeout=15)
    start = _past_a_second()
    before = stats.get("/v1/stats/province/summary").json()
    tag = uuid.uuid4().hex[:6]
    staff = [
        registration(f"l003-{tag}-c{n}", "cbccvc", COMMUNE, "so-noi-vu") for n in range(44_683)
    ]
    people = [registration(f"l003-{tag}-p{n}", "citizen", COMMUNE, None) for n in range(74_602)]
    everyone = staff + people
    certified = [_certificate(e.learner_id) for e in everyone[:88_064]]
    _send(stack, everyone + certified)

    def counted() -> dict | None:
        body = stats.get("/v1/stats/province/summary").json()
        return (
            body
            if body["certified"] - before["certified"] == 88_064
            and body["learners"] - before["learners"] == 119_285
            else None
        )

    after = eventually(counted, timeout=120)
    assert after["cbccvc"] - before["cbccvc"] == 44_683
    assert after["others"] - before["others"] == 74_602
    assert after["formatted"]["learners"] == f"{after['learners']:,}".replace(",", ".")
    assert after["text"].count(after["formatted"]["certified_percent"]) == 1
    earlier = stats.get("/v1/stats/province/summary", params={"as_of": start.isoformat()})
    assert earlier.json()["learners"] <= before["learners"]
