"""Master data against the running stack: public lists, changes by the people who answer
for them, every change an event on the master-data topic that every service follows, and
the CSV round trip of `hocvuso masterdata`."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from hocvuso.devstack import Stack
from hocvuso.domain.events import MASTER_DATA_TOPIC
from tests.e2e.client import Api, eventually
from tests.e2e.kafka_tools import dead_lettered, produce_all, read_topic
from tests.e2e.learning import register

COMMUNE, UNIT = "21172", "so-cong-thuong"  # Trương Quang Trọng; a department


def as_role(stack: Stack, role: str, scope: str | None = None) -> httpx.Client:
    token = stack.identity.token(role, f"{role}-{uuid.uuid4().hex[:6]}", scope)
    return httpx.Client(
        base_url=stack.url("enrollment"),
        headers={"authorization": f"Bearer {token}"},
        timeout=15,
    )


def test_the_lists_are_public_and_unknown_figures_are_null(stack: Stack) -> None:
    anyone = httpx.Client(base_url=stack.url("enrollment"), timeout=15)
    communes = {c["code"]: c for c in anyone.get("/v1/communes").json()}
    assert {"21025", "21028", COMMUNE} <= set(communes)
    cam_thanh = communes["21025"]
    assert (cam_thanh["name"], cam_thanh["kind"], cam_thanh["population"]) == (
        "Phường Cẩm Thành",
        "phuong",
        60996,
    )
    assert cam_thanh["students"] is None, "not published: unknown, not zero"
    villages = anyone.get("/v1/communes/21025/villages").json()
    assert [v["code"] for v in villages][:3] == ["thon-1", "thon-2", "thon-3"]
    assert all(v["synthetic"] for v in villages if v["code"].startswith("thon-"))
    units = {u["code"]: u for u in anyone.get("/v1/units").json()}
    assert units["ubnd-21025"]["commune_code"] == "21025"
    assert "changed_by" not in cam_thanh, "an official's account is not public"
    missing = anyone.get("/v1/communes/99999/villages")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_a_commune_manager_keeps_their_communes_figures_and_no_other(stack: Stack) -> None:
    manager = as_role(stack, "commune_manager", COMMUNE)
    changed = manager.patch(
        f"/v1/communes/{COMMUNE}",
        json={"adult_population": 30000, "plan_number": "KH-45/2025", "launch_date": "2025-10-09"},
    )
    assert changed.status_code == 200, changed.text
    shown = httpx.get(f"{stack.url('enrollment')}/v1/communes/{COMMUNE}").json()
    assert (shown["adult_population"], shown["plan_number"], shown["launch_date"]) == (
        30000,
        "KH-45/2025",
        "2025-10-09",
    )
    assert shown["population"] == 49308, "fields left out stay as they were"
    too_many = manager.patch(f"/v1/communes/{COMMUNE}", json={"adult_population": 10**6})
    assert too_many.status_code == 422 and too_many.json()["error"] == "invalid_figure"
    negative = manager.patch(f"/v1/communes/{COMMUNE}", json={"students": -1})
    assert negative.status_code == 400
    elsewhere = manager.patch("/v1/communes/21025", json={"students": 5})
    assert elsewhere.status_code == 403
    renamed = manager.put(f"/v1/communes/{COMMUNE}", json={"name": "X", "kind": "xa"})
    assert renamed.status_code == 403, "names and kinds are the province's"

    records = read_topic(
        stack,
        MASTER_DATA_TOPIC,
        lambda rs: any(b"KH-45/2025" in (r.value or b"") for r in rs),
    )
    change = json.loads(next(r for r in records if b"KH-45/2025" in (r.value or b"")).value)
    assert change["official_code"] == COMMUNE and change["changed_by"].startswith("commune_manager")
    assert change["name"] == "Phường Trương Quang Trọng", "the record travels whole"


def test_a_unit_manager_keeps_the_headcounts_of_their_units(stack: Stack) -> None:
    admin = as_role(stack, "province_admin")
    office = f"phong-{uuid.uuid4().hex[:6]}"
    created = admin.put(
        f"/v1/units/{office}",
        json={"name": "Phòng Quản lý thương mại", "group": "phong", "parent": UNIT},
    )
    assert created.status_code == 200, created.text
    manager = as_role(stack, "unit_manager", UNIT)
    for code, headcount in ((UNIT, 52), (office, 9)):  # their unit, and one below it
        answer = manager.patch(f"/v1/units/{code}", json={"headcount": headcount})
        assert answer.status_code == 200, answer.text
        assert answer.json()["headcount"] == headcount
    assert manager.patch("/v1/units/so-y-te", json={"headcount": 1}).status_code == 403
    below = as_role(stack, "unit_manager", office)
    assert below.patch(f"/v1/units/{UNIT}", json={"headcount": 1}).status_code == 403
    cycle = admin.put(
        f"/v1/units/{UNIT}", json={"name": "Sở Công Thương", "group": "x", "parent": office}
    )
    assert cycle.status_code == 422 and cycle.json()["error"] == "unit_cycle"
    unknown = admin.put("/v1/units/phong-z", json={"name": "Z", "group": "x", "parent": "nope"})
    assert unknown.status_code == 422 and unknown.json()["error"] == "unknown_unit"


def test_a_unit_added_later_is_known_to_registration_and_rolled_up_by_stats(
    stack: Stack,
) -> None:
    admin = as_role(stack, "province_admin")
    office = f"phong-{uuid.uuid4().hex[:6]}"
    body = {"name": "Phòng Hành chính", "group": "phong", "parent": "so-xay-dung"}
    assert admin.put(f"/v1/units/{office}", json=body).status_code == 200
    stats = Api(stack.url("stats"))
    before = stats.get("/v1/stats/units/so-xay-dung").json()["learners_unconfirmed"]
    enrollment = Api(stack.url("enrollment"), stack.identity)
    register(enrollment, "21025", category="cbccvc", unit_code=office)  # waits for confirmation
    eventually(lambda: stats.get(f"/v1/stats/units/{office}").status_code == 200)
    above = "/v1/stats/units/so-xay-dung"
    eventually(lambda: stats.get(above).json()["learners_unconfirmed"] == before + 1)


def test_a_village_must_belong_to_the_learners_commune(stack: Stack) -> None:
    enrollment = Api(stack.url("enrollment"), stack.identity)
    body = {"full_name": "Phạm Thị Lan", "birth_year": 1985, "category": "citizen"}
    wrong = enrollment.register({**body, "commune_code": "21025", "village": "to-khong-co"})
    assert wrong.status_code == 422 and wrong.json()["error"] == "unknown_village", wrong.text
    right = enrollment.register({**body, "commune_code": "21025", "village": "thon-2"})
    assert right.status_code == 201, right.text
    manager = as_role(stack, "commune_manager", "21028")
    entered = manager.put("/v1/communes/21028/villages/to-dan-pho-4", json={"name": "Tổ dân phố 4"})
    assert entered.status_code == 200 and entered.json()["synthetic"] is False
    new = enrollment.register({**body, "commune_code": "21028", "village": "to-dan-pho-4"})
    assert new.status_code == 201, "a village entered by its commune is known at once"


def test_a_broken_master_data_record_is_dead_lettered_and_the_topic_moves_on(
    stack: Stack,
) -> None:
    (origin,) = produce_all(stack, [(MASTER_DATA_TOPIC, b"commune:x", b"\xffnot json", [])])
    eventually(lambda: dead_lettered(stack, "enrollment", {origin}))
    manager = as_role(stack, "commune_manager", "21439")
    answer = manager.patch("/v1/communes/21439", json={"plan_number": "KH-7"})
    assert answer.status_code == 200, "the topic still moves"


def test_the_csv_round_trip(stack: Stack, tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "hocvuso.cli", "masterdata"]
    where = ["--state-dir", str(stack.state_dir)]  # finds the stack as in a second terminal
    exported = tmp_path / "master.csv"
    done = subprocess.run([*cli, "export", str(exported), *where], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with exported.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert sum(r["record"] == "commune" for r in rows) >= 96
    assert any(r["record"] == "village" and r["synthetic"] == "true" for r in rows)

    again = subprocess.run([*cli, "import", str(exported), *where], capture_output=True, text=True)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.strip().endswith(f"0 changed, {len(rows)} unchanged, 0 refused")

    for row in rows:
        if row["record"] == "commune" and row["code"] == "21439":
            row["students"] = "11000"
    rows.append({"record": "unit", "code": "phong-csv", "name": "Phòng X", "group": "phong"})
    with exported.open("w", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    token = stack.identity.token("commune_manager", "m-csv", "21439")
    changed = subprocess.run(
        [*cli, "import", str(exported), *where, "--token", token], capture_output=True, text=True
    )
    assert changed.returncode == 1, "a refused row fails the import"
    assert "commune 21439: changed" in changed.stdout
    assert "unit phong-csv: refused 403" in changed.stdout, changed.stdout
    summary = f"1 changed, {len(rows) - 2} unchanged, 1 refused"
    assert changed.stdout.strip().endswith(summary), changed.stdout
    assert httpx.get(f"{stack.url('enrollment')}/v1/communes/21439").json()["students"] == 11000
