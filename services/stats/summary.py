"""`GET /v1/stats/province/summary`: letter 003's paragraph, from the live or as-of counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request

from hocvuso.adapters.http_access import PUBLIC
from hocvuso.adapters.problems import ERROR_RESPONSES
from hocvuso.domain.counters import PROVINCE_SCOPE
from hocvuso.domain.summary import summary
from services.stats.moments import At, counts_at

router = APIRouter()


@router.get(
    "/v1/stats/province/summary",
    dependencies=[PUBLIC],
    responses=ERROR_RESPONSES,
    summary="The province's figures as letter 003 reports them, ready to paste",
    description=(
        "Learner accounts, of whom cbccvc and the others (người dân), certified, and the "
        "rate to one decimal — as numbers, in Vietnamese format (119.285; 73,8%), and as "
        "the letter's sentence."
    ),
)
async def province_summary(request: Request, at: At) -> dict[str, Any]:
    counts = await counts_at(request, PROVINCE_SCOPE, at)
    moment = datetime.now(UTC) if at.second is None else datetime.fromtimestamp(at.second, UTC)
    return {"as_of": moment, **summary(counts, moment)}
