"""`GET /v1/rankings/communes` and `/v1/rankings/units`: letter 004's four commune rankings
and the units by certification rate, each with the change since the day before."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from fractions import Fraction
from typing import Any, Literal

from fastapi import APIRouter, Request

from hocvuso.adapters.http_access import PUBLIC
from hocvuso.adapters.problems import ERROR_RESPONSES
from hocvuso.domain.as_of import Moment
from hocvuso.domain.counters import Counts, commune_scope, unit_scope
from hocvuso.domain.local_time import VIETNAM
from hocvuso.domain.master_data import MasterBook
from hocvuso.domain.rankings import Candidate, Placed, Value, rank
from hocvuso.domain.rates import Rate, commune_rates, percent, staff_trained
from services.stats.moments import At, counts_at

router = APIRouter()
CommuneCriterion = Literal["learners", "topics", "certificates", "participation"]
_COUNTED = {"learners": "learners", "topics": "topics_completed", "certificates": "certificates"}
RANKING_DOC = (
    "Highest first; ties share a rank (1, 2, 2, 4). `change`: places gained since the end "
    "of the day before (Asia/Ho_Chi_Minh; negative: lost), null where there was no rank "
    "then. Whoever has no value (a denominator never entered) is listed after the ranked, "
    "with `rank: null` and the `reason`. Ratios rank by their exact value; `percent` shows "
    "it to one decimal. `as_of` ranks as of that moment, against the day before it."
)


def _day_before(at: Moment, campaign_start: datetime) -> Moment | None:
    """The end of the day before the one asked for (or today), if the campaign had begun."""
    moment = datetime.now(UTC) if at.second is None else datetime.fromtimestamp(at.second, UTC)
    midnight = datetime.combine(moment.astimezone(VIETNAM).date(), time(), VIETNAM)
    end = midnight - timedelta(seconds=1)
    if end < campaign_start:
        return None
    return Moment(int(end.timestamp()), end.year)


async def _counts(request: Request, scopes: Sequence[str], at: Moment) -> list[Counts]:
    return list(await asyncio.gather(*(counts_at(request, s, at) for s in scopes)))


def _ratio(r: Rate) -> tuple[Value | None, str | None]:
    if r.percent is None or not r.whole:
        return None, r.reason
    return Fraction(r.part, r.whole), None


async def _ranked(
    request: Request,
    at: Moment,
    entries: Sequence[tuple[str, str, str]],  # (code, name, scope)
    value_of: Callable[[str, Counts], tuple[Value | None, str | None]],
) -> dict[str, Any]:
    scopes = [scope for *_, scope in entries]
    now = await _counts(request, scopes, at)
    candidates = [
        Candidate(code, name, *value_of(code, counts))
        for (code, name, _), counts in zip(entries, now, strict=True)
    ]
    before = _day_before(at, request.app.state.campaign_start)
    yesterday = None
    if before is not None:
        then = await _counts(request, scopes, before)
        yesterday = {
            code: value_of(code, counts)[0]
            for (code, *_), counts in zip(entries, then, strict=True)
        }
    return {
        "as_of": None if at.second is None else datetime.fromtimestamp(at.second, VIETNAM),
        "compared_with": None
        if before is None or before.second is None
        else datetime.fromtimestamp(before.second, VIETNAM),
        "ranking": [_shown(p) for p in rank(candidates, yesterday)],
    }


def _shown(p: Placed) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "rank": p.rank,
        "code": p.code,
        "name": p.name,
        "previous_rank": p.previous_rank,
        "change": p.change,
    }
    if isinstance(p.value, Fraction):
        shown["percent"] = percent(p.value.numerator, p.value.denominator)
        shown["part"], shown["whole"] = p.value.numerator, p.value.denominator  # reduced
    else:
        shown["value"] = p.value
    if p.reason:
        shown["reason"] = p.reason
    return shown


@router.get(
    "/v1/rankings/communes",
    dependencies=[PUBLIC],
    responses=ERROR_RESPONSES,
    summary="The communes ranked on one of letter 004's four criteria",
    description="`by`: learners, topics (completed), certificates, or participation (% of "
    "the population registered). " + RANKING_DOC,
)
async def communes(request: Request, at: At, by: CommuneCriterion = "learners") -> dict[str, Any]:
    master: MasterBook = request.app.state.master
    entries = [
        (code, master.communes[code].name, commune_scope(code)) for code in sorted(master.communes)
    ]

    def value_of(code: str, counts: Counts) -> tuple[Value | None, str | None]:
        if by == "participation":
            return _ratio(commune_rates(counts, master.communes[code])["participation"])
        return counts[_COUNTED[by]], None

    return {"by": by, **await _ranked(request, at, entries, value_of)}


@router.get(
    "/v1/rankings/units",
    dependencies=[PUBLIC],
    responses=ERROR_RESPONSES,
    summary="The units ranked by certification rate (staff trained / headcount)",
    description="`by`: certified_rate — cbccvc certified out of the headcount of the unit "
    "and its sub-units (Phụ lục 2 of letter 002). " + RANKING_DOC,
)
async def units(
    request: Request, at: At, by: Literal["certified_rate"] = "certified_rate"
) -> dict[str, Any]:
    master: MasterBook = request.app.state.master
    entries = [(code, master.units[code].name, unit_scope(code)) for code in sorted(master.units)]

    def value_of(code: str, counts: Counts) -> tuple[Value | None, str | None]:
        headcount, missing = master.headcount(code)
        return _ratio(staff_trained(counts, headcount, missing))

    return {"by": by, **await _ranked(request, at, entries, value_of)}
