"""A learner's life against the running stack: moves of commune and of unit carry every
count from the old scopes to the new; a unit's manager registers staff in bulk from a CSV
file and confirms those who named the unit themselves."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from hocvuso.devstack import Stack
from tests.e2e.client import Api, eventually
from tests.e2e.learning import COURSE, register, study, take

OLD_COMMUNE, NEW_COMMUNE = "21100", "21115"
OLD_UNIT, NEW_UNIT = "so-nong-nghiep-moi-truong", "so-dan-toc-ton-giao"
COUNTED = ("learners", "topics_completed", "certificates")


def figures(stats: Api, path: str) -> dict[str, int]:
    body = stats.get(path).json()
    return {k: body[k] for k in (*COUNTED, "learners_unconfirmed")}


def scopes(stats: Api) -> dict[str, dict[str, int]]:
    return {
        name: figures(stats, path)
        for name, path in {
            "old commune": f"/v1/stats/communes/{OLD_COMMUNE}",
            "new commune": f"/v1/stats/communes/{NEW_COMMUNE}",
            "old unit": f"/v1/stats/units/{OLD_UNIT}",
            "new unit": f"/v1/stats/units/{NEW_UNIT}",
            "province": "/v1/stats/province",
        }.items()
    }


def certified_staff(enrollment: Api, unit: str, commune: str) -> str:
    """A confirmed member of `unit` with every topic and a certificate."""
    learner = register(enrollment, commune, category="cbccvc", unit_code=unit)
    manager = Api(str(enrollment.http.base_url), token=enrollment.manager_token(unit))
    account = enrollment.accounts[learner]
    assert manager.post(f"/v1/units/{unit}/staff/{account}/confirmation").status_code == 200
    for topic in COURSE.topic_numbers:
        study(enrollment, learner, topic)
        assert take(enrollment, learner, topic, right=5)["result"]["passed"]
    eventually(lambda: enrollment.get(f"/v1/learners/{learner}/progress").json()["exam_eligible"])
    assert take(enrollment, learner, "final", right=30)["result"]["passed"]
    eventually(lambda: enrollment.get(f"/v1/learners/{learner}/progress").json()["certificate_id"])
    return learner


def delta(after: dict[str, dict[str, int]], before: dict[str, dict[str, int]]) -> dict:
    return {scope: {k: after[scope][k] - before[scope][k] for k in COUNTED} for scope in after}


def test_a_move_of_commune_and_of_unit_carries_every_count_along(stack: Stack) -> None:
    enrollment, stats = Api(stack.url("enrollment"), stack.identity), Api(stack.url("stats"))
    before = scopes(stats)
    learner = certified_staff(enrollment, OLD_UNIT, OLD_COMMUNE)
    one = {"learners": 1, "topics_completed": 5, "certificates": 1}
    none = dict.fromkeys(COUNTED, 0)
    there = eventually(
        lambda: (
            (s := scopes(stats))
            and delta(s, before)["old unit"] == one
            and delta(s, before)["old commune"] == one
            and s
        )
    )

    moved = enrollment.patch(f"/v1/learners/{learner}", {"commune_code": NEW_COMMUNE})
    assert moved.status_code == 200, moved.text
    assert moved.json()["commune_code"] == NEW_COMMUNE and moved.json()["unit_confirmed"]
    eventually(lambda: delta(scopes(stats), there)["new commune"] == one)
    after = scopes(stats)
    assert delta(after, there)["old commune"] == {k: -v for k, v in one.items()}
    assert delta(after, there)["old unit"] == none, "the unit did not change"
    assert delta(after, there)["province"] == none, "the province keeps them"

    moved = enrollment.patch(f"/v1/learners/{learner}", {"unit_code": NEW_UNIT})
    assert moved.status_code == 200, moved.text
    assert moved.json()["unit_confirmed"] is False, "a unit named by the learner waits"
    eventually(
        lambda: (
            scopes(stats)["new unit"]["learners_unconfirmed"]
            == 1 + there["new unit"]["learners_unconfirmed"]
        )
    )
    unconfirmed = scopes(stats)
    assert delta(unconfirmed, after)["old unit"] == {k: -v for k, v in one.items()}
    assert delta(unconfirmed, after)["new unit"] == none, "not in its figures before confirmed"

    manager = Api(stack.url("enrollment"), token=enrollment.manager_token(NEW_UNIT))
    account = enrollment.accounts[learner]
    assert manager.post(f"/v1/units/{NEW_UNIT}/staff/{account}/confirmation").status_code == 200
    eventually(lambda: delta(scopes(stats), unconfirmed)["new unit"] == one)
    final = scopes(stats)
    assert final["new unit"]["learners_unconfirmed"] == there["new unit"]["learners_unconfirmed"]

    stranger = Api(stack.url("enrollment"), token=stack.identity.token("learner", "stranger"))
    refused = stranger.patch(f"/v1/learners/{learner}", {"commune_code": OLD_COMMUNE})
    assert refused.status_code == 403, "only the learner moves themselves"
    bad = enrollment.patch(f"/v1/learners/{learner}", {"village": "khong-co"})
    assert bad.status_code == 422 and bad.json()["error"] == "unknown_village"


def staff_csv(rows: list[dict[str, Any]]) -> bytes:
    header = "account,name,birth_year,unit,category,commune,village"
    lines = [header] + [",".join(str(r.get(k, "")) for k in header.split(",")) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def test_a_unit_manager_registers_staff_in_bulk_and_each_acts_with_their_own_token(
    stack: Stack,
) -> None:
    unit, commune = "so-ngoai-vu", "21025"
    tag = uuid.uuid4().hex[:6]
    good = [
        {"account": f"csv-{tag}-1", "name": "Lê Văn Một", "birth_year": 1980, "commune": commune},
        {
            "account": f"csv-{tag}-2",
            "name": "Trần Thị Hai",
            "birth_year": 1992,
            "commune": commune,
            "village": "thon-1",
        },
    ]
    bad = [
        {"account": f"csv-{tag}-3", "name": "X", "birth_year": 1980, "commune": commune},
        {
            "account": f"csv-{tag}-4",
            "name": "Phạm Văn Bốn",
            "birth_year": "năm",
            "commune": commune,
        },
        {"account": f"csv-{tag}-5", "name": "Võ Văn Năm", "birth_year": 1980, "commune": "99999"},
        {
            "account": f"csv-{tag}-6",
            "name": "Đỗ Thị Sáu",
            "birth_year": 1980,
            "commune": commune,
            "unit": "so-y-te",  # not this manager's unit
        },
        {"account": "", "name": "Ai Đó", "birth_year": 1980, "commune": commune},
    ]
    stats = Api(stack.url("stats"))
    before = figures(stats, f"/v1/stats/units/{unit}")
    token = stack.identity.token("unit_manager", f"m-{tag}", unit)
    headers = {"authorization": f"Bearer {token}", "content-type": "text/csv"}
    url = f"{stack.url('enrollment')}/v1/units/{unit}/staff"
    answer = httpx.post(url, content=staff_csv(good + bad), headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["rows"], report["registered"], report["refused"]) == (7, 2, 5)
    errors = [r.get("error") for r in report["report"]]
    assert errors == [
        None,
        None,
        "invalid_name",
        "invalid_row",
        "unknown_commune",
        "unit_not_below",
        "invalid_row",
    ]
    assert [r["line"] for r in report["report"]] == list(range(2, 9))

    again = httpx.post(url, content=staff_csv(good + bad), headers=headers, timeout=30).json()
    assert (again["registered"], again["already_registered"], again["refused"]) == (0, 2, 5)
    eventually(
        lambda: figures(stats, f"/v1/stats/units/{unit}")["learners"] == before["learners"] + 2
    )

    member = Api(stack.url("enrollment"), token=stack.identity.token("learner", good[1]["account"]))
    me = member.get("/v1/me")
    assert me.status_code == 200, "a bulk-registered account acts with its own token"
    learner = me.json()["learner_id"]
    assert learner == report["report"][1]["learner_id"]
    assert take(member, learner, 1, right=5)["status"] == "graded"

    as_json = httpx.post(url, json={"rows": []}, headers={"authorization": f"Bearer {token}"})
    assert as_json.status_code == 415
    elsewhere = stack.identity.token("unit_manager", f"m2-{tag}", "so-y-te")
    refused = httpx.post(
        url, content=staff_csv(good), headers={**headers, "authorization": f"Bearer {elsewhere}"}
    )
    assert refused.status_code == 403, "not their unit: refused before any row"


def test_a_learner_counts_in_their_village_and_a_move_of_village_takes_them_along(
    stack: Stack,
) -> None:
    enrollment, stats = Api(stack.url("enrollment"), stack.identity), Api(stack.url("stats"))
    village = f"/v1/stats/communes/{OLD_COMMUNE}/villages"
    first, second = (stats.get(f"{village}/{v}").json()["learners"] for v in ("thon-1", "thon-2"))
    learner = register(enrollment, OLD_COMMUNE, village="thon-1")
    eventually(lambda: stats.get(f"{village}/thon-1").json()["learners"] == first + 1)
    moved = enrollment.patch(f"/v1/learners/{learner}", {"village": "thon-2"})
    assert moved.status_code == 200, moved.text
    eventually(lambda: stats.get(f"{village}/thon-2").json()["learners"] == second + 1)
    assert stats.get(f"{village}/thon-1").json()["learners"] == first
    shown = stats.get(f"{village}/thon-2").json()
    assert (shown["scope"], shown["commune_code"]) == (f"village:{OLD_COMMUNE}/thon-2", OLD_COMMUNE)
    assert stats.get(f"{village}/no-such-village").status_code == 404
