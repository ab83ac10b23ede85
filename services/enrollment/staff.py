"""A unit's staff: registered in bulk from a CSV file by the unit's manager, and confirmed
when they named the unit themselves. Each row is judged on its own: good rows are taken,
bad ones explained, and the same file sent again changes nothing."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi import Request as HttpRequest
from fastapi.responses import JSONResponse

from hocvuso.adapters.http import JSON_BODIES, bodies_as
from hocvuso.adapters.http_access import allow
from hocvuso.adapters.problems import problem
from hocvuso.domain.access import Action, Denied, Principal
from hocvuso.domain.enrollment import Profile
from hocvuso.domain.events import Category
from hocvuso.domain.progress import RuleViolation
from services.enrollment.api import placement
from services.enrollment.models import Placement
from services.enrollment.service import Enrollment

COLUMNS = ("account", "name", "birth_year", "unit", "category", "commune", "village")
MAX_ROWS = 5_000
MAX_BYTES = 2_000_000
CATEGORIES: tuple[Category, ...] = ("cbccvc", "hssv", "citizen")

router = APIRouter(prefix="/v1", tags=["unit staff"], responses=JSON_BODIES)
Registering = Annotated[Principal, allow(Action.REGISTER_STAFF)]
Confirming = Annotated[Principal, allow(Action.CONFIRM_STAFF)]
CSV_BODY = Body(
    media_type="text/csv",
    description=(
        f"A header line `{','.join(COLUMNS)}`, then one member of staff per line. `unit` "
        "empty: this unit; `category` empty: cbccvc; `village` may stay empty."
    ),
)


class BadRow(ValueError):
    pass


def _profile(row: dict[str, str | None], unit_code: str) -> tuple[str, Profile]:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    account = cell("account")
    if not account or len(account) > 200:
        raise BadRow("account is required (the identity provider's account, 1-200 characters)")
    category = cell("category") or "cbccvc"
    if category not in CATEGORIES:
        raise BadRow(f"category is one of {', '.join(CATEGORIES)}, not {category!r}")
    try:
        birth_year = int(cell("birth_year"))
    except ValueError:
        raise BadRow(f"birth_year is a year, not {cell('birth_year')!r}") from None
    profile = Profile(
        full_name=cell("name"),
        birth_year=birth_year,
        category=category,  # type: ignore[arg-type]  # checked against CATEGORIES above
        commune_code=cell("commune"),
        unit_code=cell("unit") or unit_code,
        village=cell("village") or None,
    )
    return account, profile


def _rows(body: bytes) -> list[dict[str, str | None]]:
    if len(body) > MAX_BYTES:
        raise BadRow(f"a file of at most {MAX_BYTES} bytes; send the staff in several")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRow("the file is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or set(COLUMNS) - set(reader.fieldnames):
        missing = sorted(set(COLUMNS) - set(reader.fieldnames or ()))
        raise BadRow(f"the header line lacks {', '.join(missing)}")
    rows = list(reader)
    if len(rows) > MAX_ROWS:
        raise BadRow(f"at most {MAX_ROWS} rows per file")
    return rows


@router.post(
    "/units/{code}/staff",
    summary="Register a unit's staff in bulk from a CSV file (its manager)",
    description=(
        "Every row is answered in `report`: `registered`, `already_registered` (the account "
        "has its learner: nothing changes) or `refused` with the rule and the reason. Staff "
        "registered here count as confirmed members of their unit."
    ),
    dependencies=[bodies_as("text/csv")],
    responses={
        400: {"description": "The file cannot be read: not UTF-8, no header, too long"},
        404: {"description": "No such unit"},
        415: {"description": "The body is not sent as text/csv"},
    },
)
async def register_staff(
    code: str,
    request: HttpRequest,
    caller: Registering,
    body: Annotated[bytes, CSV_BODY],
) -> JSONResponse:
    service: Enrollment = request.app.state.enrollment
    service.check_staff_list(caller, code)
    try:
        rows = _rows(body)
    except BadRow as bad:
        return problem(400, "invalid_file", str(bad))
    report: list[dict[str, Any]] = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        report.append({"line": line, **await _register_row(service, caller, code, row)})
    counts = {s: sum(r["status"] == s for r in report) for s in _STATUSES}
    return JSONResponse({"rows": len(report), **counts, "report": report})


_STATUSES = ("registered", "already_registered", "refused")


async def _register_row(
    service: Enrollment, caller: Principal, code: str, row: dict[str, str | None]
) -> dict[str, Any]:
    account = (row.get("account") or "").strip()
    try:
        account, profile = _profile(row, code)
        learner, created = await service.register_staff(caller, code, account, profile)
    except BadRow as bad:
        return {"account": account, "status": "refused", "error": "invalid_row", "detail": str(bad)}
    except RuleViolation as rule:
        return {"account": account, "status": "refused", "error": rule.rule, "detail": rule.reason}
    except Denied as denied:
        return {
            "account": account,
            "status": "refused",
            "error": "forbidden",
            "detail": str(denied),
        }
    status = "registered" if created else "already_registered"
    return {"account": account, "status": status, "learner_id": learner.learner_id}


@router.post(
    "/units/{code}/staff/{account}/confirmation",
    response_model=Placement,
    summary="Confirm that the learner of this account is the unit's staff (its manager)",
    responses={
        404: {"description": "No learner for this account"},
        422: {"description": "The learner names another unit"},
    },
)
async def confirm_staff(
    code: str, account: str, request: HttpRequest, caller: Confirming
) -> Placement:
    service: Enrollment = request.app.state.enrollment
    return placement(await service.confirm_staff(caller, code, account))
