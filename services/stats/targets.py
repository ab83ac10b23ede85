"""`GET /v1/targets?scope=`: the campaign's targets that apply to a scope, with progress,
the gap in people, days left and a projection to the deadline (an estimate)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from hocvuso.adapters.http_access import PUBLIC
from hocvuso.adapters.problems import ERROR_RESPONSES, problem
from hocvuso.domain.as_of import Moment
from hocvuso.domain.counters import PROVINCE_SCOPE, Counts, adults_field
from hocvuso.domain.local_time import VIETNAM
from hocvuso.domain.master_data import MasterBook
from hocvuso.domain.targets import PACE_DAYS, TARGETS, Target, deadline_end, progress
from services.stats.moments import counts_at

router = APIRouter()


def _targets(scope: str, master: MasterBook) -> list[Target] | None:
    """The targets for a scope; None if there is no such scope."""
    kind, _, code = scope.partition(":")
    if scope == PROVINCE_SCOPE or (kind == "unit" and code in master.units):
        return [t for t in TARGETS if kind in t.kinds]
    if kind == "commune" and code in master.communes:
        return [t for t in TARGETS if "commune" in t.kinds]
    commune, _, village = code.partition("/")
    known = master.villages.get(commune, {}).get(village) if kind == "village" else None
    if known is None:
        return None
    if known.target_percent is None or known.target_deadline is None:
        return []
    title = (
        f"{known.target_percent}% người dân trong độ tuổi trưởng thành của {known.name} "
        f"tham gia trước {known.target_deadline:%d/%m/%Y}"
    )
    village_target = Target(
        f"village-{commune}-{village}",
        title,
        "adults_participated",
        known.target_percent,
        known.target_deadline,
        f"commune {commune}",
        ("village",),
    )
    return [village_target]


def _whole(scope: str, target: Target, master: MasterBook) -> tuple[int | None, str]:
    kind, _, code = scope.partition(":")
    if target.measure == "adults_participated":
        commune, _, village = code.partition("/")
        place = (
            master.communes.get(commune)
            if kind == "commune"
            else master.villages.get(commune, {}).get(village)
        )
        adults = None if place is None else place.adult_population
        return adults, f"adult population not entered for {scope}"
    roots = [code] if kind == "unit" else [u for u, p in master.unit_parents.items() if not p]
    total, missing = 0, list[str]()
    for root in roots:
        count, unknown = master.headcount(root)
        total, missing = total + count, missing + list(unknown)
    if missing:
        return None, f"headcount not entered for {len(missing)} unit(s): {', '.join(missing[:5])}"
    return total, ""


def _part(counts: Counts, target: Target) -> int:
    if target.measure == "adults_participated":
        return counts.get(adults_field(target.deadline.year), 0)
    return counts["certificates_cbccvc"]


@router.get(
    "/v1/targets",
    dependencies=[PUBLIC],
    response_model=None,
    responses=ERROR_RESPONSES,
    summary="The campaign's targets for a scope, with progress and a projection",
    description=(
        "`scope`: `province`, `unit:CODE`, `commune:CODE` or `village:COMMUNE/CODE`. "
        "Staff targets (letters 000, 001, 003) count cbccvc certified out of the rolled-up "
        "headcount; adult targets (letter 001; a commune's for its villages, letter 004) "
        "adult learners out of the adult population. Past its deadline a target shows the "
        "figure at the deadline (`met` or `missed`); before, the figure now, the `gap` in "
        "people, `days_left`, and `projected_*` at the deadline from the last 7 days' pace "
        "(`estimate: true`)."
    ),
)
async def targets(
    request: Request, scope: str = Query(PROVINCE_SCOPE, max_length=200)
) -> JSONResponse | dict[str, Any]:
    master: MasterBook = request.app.state.master
    found = _targets(scope, master)
    if found is None:
        return problem(404, "not_found", f"no scope {scope!r}")
    now = datetime.now(UTC)
    start: datetime = request.app.state.campaign_start
    shown = []
    for target in found:
        at = min(now, deadline_end(target.deadline))
        counts = await counts_at(request, scope, Moment(int(at.timestamp()), at.year))
        since = max(start, at - timedelta(days=PACE_DAYS))
        before = await counts_at(request, scope, Moment(int(since.timestamp()), since.year))
        whole, unknown = _whole(scope, target, master)
        days = (at - since).total_seconds() / 86_400
        result = progress(
            target, _part(counts, target), whole, _part(before, target), days, now, unknown
        )
        shown.append(
            {
                "key": target.key,
                "title": target.title,
                "source": target.source,
                "measure": target.measure,
                "goal_percent": target.goal_percent,
                "deadline": deadline_end(target.deadline).astimezone(VIETNAM),
                "estimate": result.projected_part is not None,
                **{k: v for k, v in asdict(result).items() if v is not None or k != "reason"},
            }
        )
    return {"scope": scope, "targets": shown}
