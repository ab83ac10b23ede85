"""Rates over the denominators the province enters, against the running stack: letter
000's figure for the education department rebuilt, and no rate — with the reason — where
a denominator is unknown."""

from __future__ import annotations

import uuid

import httpx

from hocvuso.devstack import Stack
from hocvuso.events.envelope import to_record
from tests.bench.mix import _certificate, registration
from tests.e2e.client import eventually
from tests.e2e.kafka_tools import produce_all

PARENT = "so-giao-duc-dao-tao"  # Sở GD&ĐT: letter 000 reports on the education sector
STAFF, TRAINED = 5_435, 4_651


def _as(stack: Stack, role: str, scope: str | None = None) -> httpx.Client:
    token = stack.identity.token(role, f"{role}-{uuid.uuid4().hex[:6]}", scope)
    return httpx.Client(
        base_url=stack.url("enrollment"), headers={"authorization": f"Bearer {token}"}, timeout=15
    )


def test_letter_000_rebuilt_a_unit_with_5435_staff_and_4651_trained_shows_85_6(
    stack: Stack,
) -> None:
    unit = f"phong-gd-{uuid.uuid4().hex[:6]}"
    created = _as(stack, "province_admin").put(
        f"/v1/units/{unit}", json={"name": "Phòng Giáo dục", "group": "phong", "parent": PARENT}
    )
    assert created.status_code == 200, created.text
    learners = [f"gd-{unit}-{n:05d}" for n in range(STAFF)]
    events = [registration(lid, "cbccvc", "21025", unit) for lid in learners]
    events += [_certificate(lid) for lid in learners[:TRAINED]]
    records = [to_record(e, "/tests") for e in events]
    produce_all(stack, [(r.topic, r.key, r.value, list(r.headers)) for r in records])
    stats = httpx.Client(base_url=stack.url("stats"), timeout=15)

    def counted() -> dict | None:
        body = stats.get(f"/v1/stats/units/{unit}").json()
        return body if body["certificates"] == TRAINED and body["learners"] == STAFF else None

    before = eventually(counted)
    assert before["certificates_by_category"] == {"cbccvc": TRAINED, "hssv": 0, "citizen": 0}
    unknown = before["rates"]["staff_trained"]
    assert (unknown["percent"], unknown["part"], unknown["whole"]) == (None, TRAINED, None)
    assert unit in unknown["reason"], "says whose headcount is missing"
    assert before["headcount"] is None, "unknown, never 0"

    entered = _as(stack, "unit_manager", PARENT).patch(
        f"/v1/units/{unit}", json={"headcount": STAFF}
    )
    assert entered.status_code == 200, entered.text

    def rated() -> dict | None:
        body = stats.get(f"/v1/stats/units/{unit}").json()
        return body if body["rates"]["staff_trained"]["percent"] is not None else None

    after = eventually(rated)
    assert after["headcount"] == STAFF
    assert after["rates"]["staff_trained"] == {"percent": 85.6, "part": TRAINED, "whole": STAFF}
    assert after["rates"]["certified"] == {"percent": 85.6, "part": TRAINED, "whole": STAFF}
    above = stats.get(f"/v1/stats/units/{PARENT}").json()["rates"]["staff_trained"]
    assert above["part"] >= TRAINED and above["percent"] is None, "its own headcount is unknown"


def test_a_communes_participation_and_students_rates_follow_its_figures(stack: Stack) -> None:
    commune = "21028"
    stats = httpx.Client(base_url=stack.url("stats"), timeout=15)
    body = stats.get(f"/v1/stats/communes/{commune}").json()
    participation = body["rates"]["participation"]
    assert participation["whole"] == body["population"] > 0
    assert participation["part"] == body["learners"]
    students = body["rates"]["students_trained"]
    assert students["percent"] is None and "students" in students["reason"]
    changed = _as(stack, "commune_manager", commune).patch(
        f"/v1/communes/{commune}", json={"students": 4_000}
    )
    assert changed.status_code == 200, changed.text

    def known() -> dict | None:
        rates = stats.get(f"/v1/stats/communes/{commune}").json()["rates"]
        return rates if rates["students_trained"]["whole"] == 4_000 else None

    rates = eventually(known)
    assert rates["students_trained"]["percent"] is not None
