"""Rates over the denominators the province enters, against the running stack: letter
000's figure for the education department rebuilt, no rate — with the reason — where a
denominator is unknown, adults over a village's adult population."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

import httpx

from hocvuso.devstack import Stack
from hocvuso.domain import events as ev
from hocvuso.domain.local_time import VIETNAM
from hocvuso.events.envelope import to_record
from tests.bench.mix import NOW, _certificate, registration
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


def test_adults_teams_starters_and_revocations_in_a_villages_figures(stack: Stack) -> None:
    """Letter 001's target is adults taking part (born in or before this year − 18) over a
    village's or commune's adult population; a team member sees whom they helped; a
    revoked certificate stops counting, even if its issue is read again."""
    commune, village = "21025", f"adults-{uuid.uuid4().hex[:6]}"
    manager = _as(stack, "commune_manager", commune)
    put = manager.put(
        f"/v1/communes/{commune}/villages/{village}",
        json={"name": "Thôn Thử", "adult_population": 4},
    )
    assert put.status_code == 200, put.text
    year = datetime.now(VIETNAM).year
    helper = f"team-{uuid.uuid4().hex[:6]}"
    born = {"old": 1960, "just-adult": year - 18, "child": year - 17, "member": 1990}
    ids = {name: f"{village}-{name}" for name in born}

    def registered(name: str) -> ev.Event:
        return replace(
            registration(ids[name], "citizen", commune, None),
            village=village,
            birth_year=born[name],
            assisted_by=None if name == "member" else helper,
            community_tech_team=name == "member",
        )

    revoked = _certificate(ids["just-adult"])
    assert isinstance(revoked, ev.CertificateIssued)
    events: list[ev.Event] = [registered(name) for name in born]
    events += [
        ev.LearnerStarted(learner_id=ids["child"], course_version="v1", started_at=NOW),
        _certificate(ids["old"]),
        revoked,
        ev.CertificateRevoked(
            learner_id=ids["just-adult"],
            certificate_id=revoked.certificate_id,
            course_version="v1",
            reason="cấp nhầm",
            revoked_by="admin-1",
            revoked_at=NOW,
        ),
        revoked,  # read again after its revocation
    ]
    records = [to_record(e, "/tests") for e in events]
    produce_all(stack, [(r.topic, r.key, r.value, list(r.headers)) for r in records])
    stats = httpx.Client(base_url=stack.url("stats"), timeout=15)

    def counted() -> dict | None:
        body = stats.get(f"/v1/stats/communes/{commune}/villages/{village}").json()
        return body if body["learners"] == 4 and body["learners_started"] == 2 else None

    body = eventually(counted)
    assert body["certificates"] == 1, "the revoked certificate does not count"
    assert body["learners_community_tech_team"] == 1
    assert body["adults"] == {"year": year, "learners": 3, "certified": 1, "birth_year_unknown": 0}
    assert body["rates"]["adults_participated"] == {"percent": 75.0, "part": 3, "whole": 4}
    assert body["rates"]["adults_trained"] == {"percent": 25.0, "part": 1, "whole": 4}

    team = f"/v1/stats/teams/{helper}"
    assert stats.get(team).status_code == 401
    other = stack.identity.token("learner", "someone-else")
    assert stats.get(team, headers={"authorization": f"Bearer {other}"}).status_code == 403
    own = stack.identity.token("learner", helper)
    helped = stats.get(team, headers={"authorization": f"Bearer {own}"}).json()
    assert (helped["learners"], helped["certificates"]) == (3, 1)
