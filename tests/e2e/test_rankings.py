"""Letter 004's commune rankings and the units by certification rate, on the running
stack: the values are the stats figures, ties share a rank, the unranked come last with
their reason, and ranks are compared with the end of the day before."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from fractions import Fraction

import httpx
import pytest

from hocvuso.devstack import Stack
from hocvuso.domain.local_time import VIETNAM
from hocvuso.events.envelope import to_record
from tests.bench.mix import registration
from tests.e2e.client import eventually
from tests.e2e.kafka_tools import produce_all


def _check_competition_ranks(ranking: list[dict], key: str) -> None:
    ranked = [e for e in ranking if e["rank"] is not None]
    unranked = ranking[len(ranked) :]
    assert all(e["rank"] is None and e["reason"] for e in unranked), "the unranked come last"
    # A ratio ranks by its exact value (`part` / `whole`), shown to one decimal.
    exact = {"percent": lambda e: Fraction(e["part"], e["whole"]), "value": lambda e: e["value"]}
    values = [exact[key](e) for e in ranked]
    assert values == sorted(values, reverse=True)
    for e, value in zip(ranked, values, strict=True):  # ties share a rank; the next skips
        assert e["rank"] == 1 + sum(v > value for v in values)


@pytest.mark.parametrize("by", ["learners", "topics", "certificates", "participation"])
def test_communes_rank_on_each_criterion_of_letter_004(stack: Stack, by: str) -> None:
    stats = httpx.Client(base_url=stack.url("stats"), timeout=15)
    body = stats.get("/v1/rankings/communes", params={"by": by}).json()
    ranking = body["ranking"]
    assert len(ranking) == len(httpx.get(f"{stack.url('enrollment')}/v1/communes").json())
    key = "percent" if by == "participation" else "value"
    _check_competition_ranks(ranking, key)
    midnight = datetime.combine(datetime.now(VIETNAM).date(), time(), VIETNAM)
    compared = datetime.fromisoformat(body["compared_with"])
    assert compared == midnight - timedelta(seconds=1), "the end of the day before"
    # The ranks the day before are the ranking as of its end.
    then = stats.get(
        "/v1/rankings/communes", params={"by": by, "as_of": body["compared_with"]}
    ).json()["ranking"]
    before = {e["code"]: e["rank"] for e in then}
    for e in ranking:
        assert e["previous_rank"] == before[e["code"]]
        expected = (
            None if None in (e["rank"], e["previous_rank"]) else e["previous_rank"] - e["rank"]
        )
        assert e["change"] == expected


def test_a_communes_rank_follows_its_learners_and_its_value_is_its_stats_figure(
    stack: Stack,
) -> None:
    stats = httpx.Client(base_url=stack.url("stats"), timeout=15)
    first = stats.get("/v1/rankings/communes", params={"by": "learners"}).json()["ranking"]
    top, last = first[0], first[-1]
    assert top["value"] == stats.get(f"/v1/stats/communes/{top['code']}").json()["learners"]
    gap = top["value"] - last["value"] + 1
    tag = uuid.uuid4().hex[:6]
    events = [registration(f"rank-{tag}-{n}", "citizen", last["code"], None) for n in range(gap)]
    records = [to_record(e, "/tests") for e in events]
    produce_all(stack, [(r.topic, r.key, r.value, list(r.headers)) for r in records])

    def moved() -> list | None:
        ranking = stats.get("/v1/rankings/communes", params={"by": "learners"}).json()["ranking"]
        return ranking if ranking[0]["code"] == last["code"] else None

    ranking = eventually(moved)
    assert ranking[0]["value"] == last["value"] + gap and ranking[0]["rank"] == 1


def test_participation_leaves_communes_without_a_population_unranked_with_the_reason(
    stack: Stack,
) -> None:
    code = "21028"
    admin = stack.identity.token("province_admin", "admin-rank")
    headers = {"authorization": f"Bearer {admin}"}
    enrollment = httpx.Client(base_url=stack.url("enrollment"), headers=headers, timeout=15)
    commune = enrollment.get(f"/v1/communes/{code}").json()
    fields = {k: commune[k] for k in ("name", "kind")}
    emptied = enrollment.put(f"/v1/communes/{code}", json={**fields, "population": None})
    assert emptied.status_code == 200, emptied.text
    stats = httpx.Client(base_url=stack.url("stats"), timeout=15)
    try:

        def unranked() -> dict | None:
            ranking = stats.get("/v1/rankings/communes?by=participation").json()["ranking"]
            found = next(e for e in ranking if e["code"] == code)
            return found if found["rank"] is None else None

        entry = eventually(unranked)
        assert "population" in entry["reason"] and code in entry["reason"]
    finally:
        restored = {k: commune[k] for k in ("name", "kind", "population", "students")}
        assert enrollment.put(f"/v1/communes/{code}", json=restored).status_code == 200


def test_units_rank_by_certification_rate_and_those_without_headcount_say_so(
    stack: Stack,
) -> None:
    body = httpx.get(f"{stack.url('stats')}/v1/rankings/units", timeout=15).json()
    assert body["by"] == "certified_rate"
    _check_competition_ranks(body["ranking"], "percent")
    assert any("headcount" in (e.get("reason") or "") for e in body["ranking"])
