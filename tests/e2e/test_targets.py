"""Targets on the running stack: the letters' staff targets for the province, and a target
a commune sets for a village, with its gap, days left and projection."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

import httpx

from hocvuso.devstack import Stack
from hocvuso.domain.local_time import VIETNAM
from hocvuso.events.envelope import to_record
from tests.bench.mix import registration
from tests.e2e.client import eventually
from tests.e2e.kafka_tools import produce_all

COMMUNE = "21025"


def test_a_village_target_shows_its_gap_days_left_and_an_estimate(stack: Stack) -> None:
    village = f"muctieu-{uuid.uuid4().hex[:6]}"
    deadline = datetime.now(VIETNAM).date() + timedelta(days=30)
    manager = stack.identity.token("commune_manager", "m-target", COMMUNE)
    put = httpx.put(
        f"{stack.url('enrollment')}/v1/communes/{COMMUNE}/villages/{village}",
        json={
            "name": "Thôn Mục Tiêu",
            "adult_population": 10,
            "target_percent": 50,
            "target_deadline": deadline.isoformat(),
        },
        headers={"authorization": f"Bearer {manager}"},
        timeout=15,
    )
    assert put.status_code == 200, put.text
    events = [
        replace(
            registration(f"{village}-{n}", "citizen", COMMUNE, None),
            village=village,
            birth_year=1980,
        )
        for n in range(3)
    ]
    records = [to_record(e, "/tests") for e in events]
    produce_all(stack, [(r.topic, r.key, r.value, list(r.headers)) for r in records])
    stats = httpx.Client(base_url=stack.url("stats"), timeout=15)

    def counted() -> dict | None:
        answer = stats.get("/v1/targets", params={"scope": f"village:{COMMUNE}/{village}"})
        assert answer.status_code == 200, answer.text
        (target,) = answer.json()["targets"]
        return target if target["part"] == 3 else None

    target = eventually(counted)
    assert (target["whole"], target["goal_people"], target["gap"]) == (10, 5, 2)
    assert target["days_left"] == 30 and target["percent"] == 30.0
    # 3 in the last week: 3/7 a day for the 30 days (and some hours) left.
    assert target["estimate"] is True and target["status"] == "on_track"
    assert 3 + 12 <= target["projected_part"] <= 3 + 13
    assert target["deadline"].startswith(f"{deadline.isoformat()}T23:59:59")


def test_the_letters_staff_targets_for_the_province_are_read_at_their_deadlines(
    stack: Stack,
) -> None:
    body = httpx.get(f"{stack.url('stats')}/v1/targets", timeout=15).json()
    assert body["scope"] == "province"
    keys = {t["key"]: t for t in body["targets"]}
    assert set(keys) == {"cbccvc-peak-2025", "cbccvc-2025-11-20"}
    for target in keys.values():  # past: no projection, and nothing was counted in 2025
        assert target["days_left"] == 0 and target["estimate"] is False
        assert target["part"] == 0
        if target["whole"] is None:
            assert target["status"] == "unknown" and "headcount" in target["reason"]
        else:
            assert target["status"] in ("met", "missed")


def test_an_unknown_scope_is_a_404(stack: Stack) -> None:
    answer = httpx.get(f"{stack.url('stats')}/v1/targets", params={"scope": "commune:99999"})
    assert answer.status_code == 404
