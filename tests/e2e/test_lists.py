"""Who has not finished, and who has, against the running stack: letter 000 rebuilt — a
unit of 5,435 staff, all registered, 4,651 certified, lists 784 not yet finished — by
name for its manager and the province only, sortable, and as CSV with Vietnamese headers."""

from __future__ import annotations

import csv
import io
import itertools
import uuid

import httpx

from hocvuso.devstack import Stack
from hocvuso.events.envelope import to_record
from tests.bench.mix import _certificate
from tests.e2e.client import eventually
from tests.e2e.kafka_tools import produce_all

PARENT = "so-giao-duc-dao-tao"
STAFF, TRAINED = 5_435, 4_651
NAMES = [
    " ".join(parts)
    for parts in itertools.product(
        ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi"),
        ("Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc"),
        ("An", "Bình", "Châu", "Dũng", "Hoa", "Lan", "Sơn", "Tâm", "Vy"),
    )
]


def test_letter_000_the_unfinished_list_names_the_784_not_yet_certified(stack: Stack) -> None:
    unit = f"truong-{uuid.uuid4().hex[:6]}"
    admin = {"authorization": f"Bearer {stack.identity.token('province_admin', 'admin-l')}"}
    enrollment = httpx.Client(base_url=stack.url("enrollment"), timeout=120)
    created = enrollment.put(
        f"/v1/units/{unit}",
        json={"name": "Trường Thử", "group": "truong", "parent": PARENT, "headcount": STAFF},
        headers=admin,
    )
    assert created.status_code == 200, created.text
    manager = {"authorization": f"Bearer {stack.identity.token('unit_manager', 'm-l', unit)}"}
    learners: list[str] = []
    for start in range(0, STAFF, 5_000):  # a file holds at most 5,000 rows
        lines = ["account,name,birth_year,unit,category,commune,village"] + [
            f"{unit}-{n},{NAMES[n % len(NAMES)]},{1970 + n % 30},,cbccvc,21025,"
            for n in range(start, min(STAFF, start + 5_000))
        ]
        answer = enrollment.post(
            f"/v1/units/{unit}/staff",
            content=("\n".join(lines) + "\n").encode(),
            headers={**manager, "content-type": "text/csv"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["refused"] == 0, answer.text
        learners += [r["learner_id"] for r in answer.json()["report"]]
    records = [to_record(_certificate(lid), "/tests") for lid in learners[:TRAINED]]
    produce_all(stack, [(r.topic, r.key, r.value, list(r.headers)) for r in records])

    def unfinished() -> dict | None:
        answer = enrollment.get(f"/v1/units/{unit}/unfinished", headers=manager)
        if answer.status_code == 503:  # the database is busy recording the certificates
            return None
        assert answer.status_code == 200, answer.text
        body = answer.json()
        return body if body["count"] == STAFF - TRAINED else None

    body = eventually(unfinished, timeout=60)
    assert (body["headcount"], body["not_registered"]) == (STAFF, 0)
    assert {r["learner_id"] for r in body["learners"]} == set(learners[TRAINED:])
    names = [r["full_name"] for r in body["learners"]]
    assert names == sorted(names, key=str.casefold), "by name unless asked otherwise"
    first = body["learners"][0]
    assert (first["topics_completed"], first["content_percent"]) == (0, 0)
    assert first["certificate_id"] is None

    finished = enrollment.get(f"/v1/units/{unit}/finished", headers=admin).json()
    assert finished["count"] == TRAINED
    assert all(r["certificate_id"] for r in finished["learners"])
    above = enrollment.get(f"/v1/units/{PARENT}/unfinished", headers=admin).json()
    assert set(learners[TRAINED:]) <= {r["learner_id"] for r in above["learners"]}

    sheet = enrollment.get(
        f"/v1/units/{unit}/unfinished", params={"format": "csv"}, headers=manager
    )
    assert sheet.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(sheet.text)))
    assert rows[0][:3] == ["Họ và tên", "Năm sinh", "Đối tượng"]
    assert len(rows) == 1 + STAFF - TRAINED

    elsewhere = stack.identity.token("unit_manager", "m-x", "so-tai-chinh")
    refused = enrollment.get(
        f"/v1/units/{unit}/unfinished", headers={"authorization": f"Bearer {elsewhere}"}
    )
    assert refused.status_code == 403
    learner = stack.identity.token("learner", f"{unit}-0")
    as_learner = enrollment.get(
        f"/v1/units/{unit}/unfinished", headers={"authorization": f"Bearer {learner}"}
    )
    assert as_learner.status_code == 403


def test_a_communes_lists_are_its_managers_and_can_be_sorted(stack: Stack) -> None:
    commune = "21034"
    token = stack.identity.token("commune_manager", "m-lists", commune)
    headers = {"authorization": f"Bearer {token}"}
    enrollment = httpx.Client(base_url=stack.url("enrollment"), timeout=30)
    tag = uuid.uuid4().hex[:6]
    for n, lessons in enumerate((0, 1, 3)):
        who = stack.identity.token("learner", f"list-{tag}-{n}")
        as_them = {"authorization": f"Bearer {who}"}
        body = {"full_name": NAMES[n], "birth_year": 1990, "category": "citizen"}
        made = enrollment.post(
            "/v1/learners", json={**body, "commune_code": commune}, headers=as_them
        )
        assert made.status_code == 201, made.text
        learner = made.json()["learner_id"]
        lesson_ids = [
            lesson["id"]
            for topic in enrollment.get("/v1/course").json()["topics"]
            for lesson in topic["lessons"]
        ]
        for lesson in lesson_ids[:lessons]:
            path = f"/v1/learners/{learner}/lessons/{lesson}/progress"
            assert enrollment.post(path, json={"percent": 100}, headers=as_them).status_code == 200
    ranked = enrollment.get(
        f"/v1/communes/{commune}/unfinished",
        params={"sort": "content", "desc": "true"},
        headers=headers,
    ).json()
    ours = [r for r in ranked["learners"] if r["full_name"] in NAMES[:3]]
    contents = [r["content_percent"] for r in ranked["learners"]]
    assert contents == sorted(contents, reverse=True)
    assert [r["full_name"] for r in ours][:1] == [NAMES[2]], "the most content first"
    other = stack.identity.token("commune_manager", "m-other", "21025")
    refused = enrollment.get(
        f"/v1/communes/{commune}/unfinished", headers={"authorization": f"Bearer {other}"}
    )
    assert refused.status_code == 403
    missing = enrollment.get(
        f"/v1/communes/{commune}/unfinished", params={"village": "khong-co"}, headers=headers
    )
    assert missing.status_code == 404
