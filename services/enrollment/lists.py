"""Who has not finished, and who has, in a unit (with the units below it) or a commune (or
one of its villages): by name, for whoever answers for it. Served here, where the
learners' profiles live; stats keeps no names."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi import Request as HttpRequest
from fastapi.responses import Response

from hocvuso.adapters.http_access import allow
from hocvuso.adapters.problems import ERROR_RESPONSES, problem
from hocvuso.domain import access
from hocvuso.domain.access import Action, Principal, Subject
from hocvuso.domain.enrollment import Learner
from hocvuso.domain.master_data import MasterBook
from hocvuso.domain.roster import CSV_HEADERS, Row, Sort, listed, row
from services.enrollment.master_data import MasterDataChanges
from services.enrollment.service import Enrollment

router = APIRouter(prefix="/v1", tags=["lists"])
Reader = Annotated[Principal, allow(Action.PEOPLE_LISTS)]
Which = Literal["unfinished", "finished"]
LIST_DOC = (
    "`unfinished`: every learner not yet certified, with how far they got (topics "
    "completed, content %, last activity); `finished`: those certified, with their "
    "certificate. Sorted by `sort` (name, topics, content, last_active; `desc=true` for "
    "the other way), or as CSV with Vietnamese headers (`format=csv`). For the unit's or "
    "commune's manager, the province and auditors: the lists name people."
)


class _Query:
    def __init__(
        self,
        sort: Sort = "name",
        desc: bool = False,
        format: Literal["json", "csv"] = "json",  # the query parameter's name
    ) -> None:
        self.sort, self.desc, self.format = sort, desc, format


def _below(code: str, parents: dict[str, str | None]) -> list[str]:
    """The unit and every unit under it."""
    return [u for u in parents if code in access.lineage(u, parents)]


def _answer(
    rows: list[Row], q: _Query, which: Which, extra: dict[str, Any]
) -> Response | dict[str, Any]:
    chosen = listed(rows, which == "finished", q.sort, q.desc)
    if q.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([title for _, title in CSV_HEADERS])
        for r in chosen:
            writer.writerow([_cell(getattr(r, name)) for name, _ in CSV_HEADERS])
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
    return {**extra, "count": len(chosen), "learners": [_shown(r) for r in chosen]}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _shown(r: Row) -> dict[str, Any]:
    return {
        "learner_id": r.learner_id,
        "full_name": r.full_name,
        "birth_year": r.birth_year,
        "category": r.category,
        "unit_code": r.unit_code,
        "commune_code": r.commune_code,
        "village": r.village,
        "topics_completed": r.topics_completed,
        "content_percent": r.content_percent,
        "last_active_at": r.last_active_at,
        "certificate_id": r.certificate_id,
    }


def _rows(service: Enrollment, learners: list[Learner]) -> list[Row]:
    return [row(le, service.course_of(le)) for le in learners]


_UNIT_DOC = LIST_DOC + (
    " For a unit, `not_registered`: its rolled-up headcount less its staff registered "
    "(null while a headcount is missing)."
)


@router.get(
    "/units/{code}/unfinished",
    response_model=None,
    responses=ERROR_RESPONSES,
    summary="A unit's learners (its sub-units' too) not yet certified",
    description=_UNIT_DOC,
)
async def unit_unfinished(
    code: str, request: HttpRequest, caller: Reader, q: Annotated[_Query, Depends()]
) -> Response | dict[str, Any]:
    return await _unit_list(code, "unfinished", request, caller, q)


@router.get(
    "/units/{code}/finished",
    response_model=None,
    responses=ERROR_RESPONSES,
    summary="A unit's learners (its sub-units' too) certified, with their certificates",
    description=_UNIT_DOC,
)
async def unit_finished(
    code: str, request: HttpRequest, caller: Reader, q: Annotated[_Query, Depends()]
) -> Response | dict[str, Any]:
    return await _unit_list(code, "finished", request, caller, q)


async def _unit_list(
    code: str, which: Which, request: HttpRequest, caller: Principal, q: _Query
) -> Response | dict[str, Any]:
    book: MasterBook = _book(request)
    if code not in book.units:
        return problem(404, "not_found", f"no unit with code {code!r}")
    access.check(caller, Action.PEOPLE_LISTS, book.unit_subject(code))
    service: Enrollment = request.app.state.enrollment
    units = _below(code, dict(book.unit_parents))
    rows = _rows(service, await service.learners.in_place(units=units))
    headcount, missing = book.headcount(code)
    staff = sum(1 for r in rows if r.category == "cbccvc")
    extra = {
        "unit_code": code,
        "which": which,
        "headcount": None if missing else headcount,
        "not_registered": None if missing else max(0, headcount - staff),
    }
    return _answer(rows, q, which, extra)


_COMMUNE_DOC = LIST_DOC + " `village`: one village of the commune only."


@router.get(
    "/communes/{code}/unfinished",
    response_model=None,
    responses=ERROR_RESPONSES,
    summary="A commune's learners (or a village's) not yet certified",
    description=_COMMUNE_DOC,
)
async def commune_unfinished(
    code: str,
    request: HttpRequest,
    caller: Reader,
    q: Annotated[_Query, Depends()],
    village: str | None = None,
) -> Response | dict[str, Any]:
    return await _commune_list(code, village, "unfinished", request, caller, q)


@router.get(
    "/communes/{code}/finished",
    response_model=None,
    responses=ERROR_RESPONSES,
    summary="A commune's learners (or a village's) certified, with their certificates",
    description=_COMMUNE_DOC,
)
async def commune_finished(
    code: str,
    request: HttpRequest,
    caller: Reader,
    q: Annotated[_Query, Depends()],
    village: str | None = None,
) -> Response | dict[str, Any]:
    return await _commune_list(code, village, "finished", request, caller, q)


async def _commune_list(
    code: str, village: str | None, which: Which, request: HttpRequest, caller: Principal, q: _Query
) -> Response | dict[str, Any]:
    book = _book(request)
    if code not in book.communes:
        return problem(404, "not_found", f"no commune with official code {code!r}")
    if village is not None and village not in book.villages.get(code, {}):
        return problem(404, "not_found", f"no village {village!r} in commune {code!r}")
    access.check(caller, Action.PEOPLE_LISTS, Subject(None, code))
    service: Enrollment = request.app.state.enrollment
    learners = await service.learners.in_place(commune=code, village=village)
    extra = {"commune_code": code, "village": village, "which": which}
    return _answer(_rows(service, learners), q, which, extra)


def _book(request: HttpRequest) -> MasterBook:
    changes: MasterDataChanges = request.app.state.master_data
    return changes.book
