"""Stats' HTTP routes: the live counters of a scope, read from the store."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hocvuso.adapters.http_access import PUBLIC, allow
from hocvuso.adapters.problems import ERROR_RESPONSES, problem
from hocvuso.domain import access
from hocvuso.domain.access import Action, Principal, Subject
from hocvuso.domain.as_of import Moment
from hocvuso.domain.counters import (
    CATEGORIES,
    PROVINCE_SCOPE,
    Counts,
    commune_scope,
    team_scope,
    unit_scope,
    village_scope,
)
from hocvuso.domain.local_time import VIETNAM
from hocvuso.domain.master_data import MasterBook
from hocvuso.domain.rates import (
    Rate,
    adult_rates,
    adults,
    certified,
    commune_rates,
    percent,
    staff_trained,
)
from services.stats.moments import At, counts_at

router = APIRouter()
TeamReader = Annotated[Principal, allow(Action.TEAM_FIGURES)]


RATES_DOC = (
    "Definitions: *participated* (tham gia) = registered; *trained* (được bồi dưỡng, tập "
    "huấn) = certified on the portal. `rates` holds each rate as `part` of `whole` with "
    "its `percent` (one decimal), or `percent: null` and the `reason` when the whole is "
    "unknown or zero: `certified` (learners certified / learners, every scope); "
    "`staff_trained` (units: cbccvc certified / the headcount of the unit and its "
    "sub-units); `participation` (communes: learners / population) and `students_trained` "
    "(communes: hssv certified / students); `adults_participated` and `adults_trained` "
    "(communes and villages: adult learners, and those certified, / the adult population). "
    "An *adult* is born in or before (report year − 18), the report year being this year "
    "(Asia/Ho_Chi_Minh) or the year of `as_of`; adults of every category count, as the "
    "adult population counts everyone. `learners_started`: learners who took a first "
    "lesson or attempt; `learners_community_tech_team`: members of a community "
    "digital-technology team."
)


def _rates(rates: dict[str, Rate]) -> dict[str, dict[str, Any]]:
    return {
        name: {
            "percent": r.percent,
            "part": r.part,
            "whole": r.whole,
            **({"reason": r.reason} if r.reason else {}),
        }
        for name, r in rates.items()
    }


def present(
    scope: str,
    counts: Counts,
    at: Moment,
    extra: dict[str, Any] | None = None,
    rates: dict[str, Rate] | None = None,
) -> dict[str, Any]:
    return {
        "scope": scope,
        "as_of": None if at.second is None else datetime.fromtimestamp(at.second, VIETNAM),
        **(extra or {}),
        "learners": counts["learners"],
        "learners_by_category": {c: counts[f"learners_{c}"] for c in CATEGORIES},
        "topics_completed": counts["topics_completed"],
        "completed_all_topics": counts["completed_all_topics"],
        "certificates": counts["certificates"],
        "certificates_by_category": {c: counts[f"certificates_{c}"] for c in CATEGORIES},
        "certified_percent": percent(counts["certificates"], counts["learners"]),
        # Staff who named a unit (this one, or one below it) and wait for its manager's
        # confirmation; they are counted in their commune, not yet in the unit's figures.
        "learners_unconfirmed": counts["learners_unconfirmed"],
        "learners_started": counts["learners_started"],
        "learners_community_tech_team": counts["learners_team"],
        "adults": adults(counts, at.year),
        "rates": _rates({"certified": certified(counts), **(rates or {})}),
    }


@router.get(
    "/v1/stats/province",
    dependencies=[PUBLIC],
    responses=ERROR_RESPONSES,
    summary="Live totals for the whole province",
    description=RATES_DOC,
)
async def province(request: Request, at: At) -> dict[str, Any]:
    counts = await counts_at(request, PROVINCE_SCOPE, at)
    return present(PROVINCE_SCOPE, counts, at)


@router.get(
    "/v1/stats/communes/{code}",
    dependencies=[PUBLIC],
    response_model=None,  # a problem or the counts: no model, as before annotations
    responses=ERROR_RESPONSES,
    summary="Live totals of a commune",
    description=RATES_DOC,
)
async def commune(code: str, request: Request, at: At) -> JSONResponse | dict[str, Any]:
    known = request.app.state.master.communes.get(code)
    if known is None:
        return problem(404, "not_found", f"no commune with official code {code!r}")
    counts = await counts_at(request, commune_scope(code), at)
    extra = {
        "code": code,
        "name": known.name,
        "population": known.population,
        "adult_population": known.adult_population,
        "students": known.students,
    }
    rates = {
        **commune_rates(counts, known),
        **adult_rates(counts, known.adult_population, at.year, f"commune {code}"),
    }
    return present(commune_scope(code), counts, at, extra, rates)


@router.get(
    "/v1/stats/communes/{code}/villages/{village}",
    dependencies=[PUBLIC],
    response_model=None,
    responses=ERROR_RESPONSES,
    summary="Live totals of a village (thôn, tổ dân phố) of a commune",
    description=RATES_DOC,
)
async def village(
    code: str, village: str, request: Request, at: At
) -> JSONResponse | dict[str, Any]:
    known = request.app.state.master.villages.get(code, {}).get(village)
    if known is None:
        return problem(404, "not_found", f"no village {village!r} in commune {code!r}")
    scope = village_scope(code, village)
    counts = await counts_at(request, scope, at)
    extra = {
        "commune_code": code,
        "code": village,
        "name": known.name,
        "adult_population": known.adult_population,
    }
    where = f"village {village} of commune {code}"
    rates = adult_rates(counts, known.adult_population, at.year, where)
    return present(scope, counts, at, extra, rates)


@router.get(
    "/v1/stats/units/{code}",
    dependencies=[PUBLIC],
    response_model=None,
    responses=ERROR_RESPONSES,
    summary="Live totals of a unit and its sub-units",
    description=RATES_DOC,
)
async def unit(code: str, request: Request, at: At) -> JSONResponse | dict[str, Any]:
    known = request.app.state.master.units.get(code)
    if known is None:
        return problem(404, "not_found", f"no unit with code {code!r}")
    counts = await counts_at(request, unit_scope(code), at)
    master: MasterBook = request.app.state.master
    headcount, missing = master.headcount(code)
    extra = {
        "code": code,
        "name": known.name,
        "headcount": None if missing else headcount,  # its own and its sub-units' staff
    }
    rates = {"staff_trained": staff_trained(counts, headcount, missing)}
    return present(unit_scope(code), counts, at, extra, rates)


@router.get(
    "/v1/stats/teams/{account}",
    response_model=None,
    responses=ERROR_RESPONSES,
    summary="Live totals of the learners a community-tech-team member helped register",
    description=(
        "Learners who registered with `assisted_by` naming this account. For the member "
        "themself (a learner token with this account), the province and auditors: the "
        "path names the member's account. " + RATES_DOC
    ),
)
async def team(account: str, request: Request, caller: TeamReader, at: At) -> dict[str, Any]:
    access.check(caller, Action.TEAM_FIGURES, Subject(account=account, commune_code=""))
    counts = await counts_at(request, team_scope(account), at)
    return present(team_scope(account), counts, at, {"account": account})
