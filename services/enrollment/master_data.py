"""The province's master data over HTTP: public lists of communes, villages and units, and
changes by the people who answer for them. A change is decided by the core
(`hocvuso.domain.master_data`), published as an event and read back from the topic before
the answer, so the record answered is the one every service now holds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI
from fastapi import Request as HttpRequest
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from hocvuso.adapters.http import JSON_BODIES, JSON_ONLY
from hocvuso.adapters.http_access import PUBLIC, allow
from hocvuso.adapters.kafka import Publisher
from hocvuso.adapters.master_data_feed import MasterDataFeed
from hocvuso.adapters.problems import problem
from hocvuso.domain import access
from hocvuso.domain import master_data as core
from hocvuso.domain.access import Action, Principal
from hocvuso.domain.events import CommuneRecorded, MasterDataEvent, UnitRecorded, VillageRecorded

# A change is answered once every service instance could have read it; past this, a 503.
READ_BACK_SECONDS = 10.0


class RecordNotFound(LookupError):
    pass


class MasterDataChanges:
    def __init__(
        self,
        feed: MasterDataFeed,
        publisher: Publisher,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.book = feed.book
        self._feed = feed
        self._publisher = publisher
        self._clock = clock

    async def _record(self, event: MasterDataEvent) -> MasterDataEvent:
        if not self.book.holds(event):  # the same record again (a retry) publishes nothing
            await self._publisher.publish([event])
            await asyncio.wait_for(self._feed.caught_up(), READ_BACK_SECONDS)
        known = self.book.known(event)
        assert known is not None, "published, read back, yet not in the book"
        return known

    def _commune_subject(self, code: str) -> access.Subject:
        if code not in self.book.communes:
            raise RecordNotFound(f"no commune with official code {code!r}")
        return access.Subject(None, code)

    async def put_commune(
        self, caller: Principal, code: str, record: dict[str, Any]
    ) -> MasterDataEvent:
        access.check(caller, Action.MASTER_DATA, access.Subject(None, code))
        now = self._clock()
        return await self._record(core.record_commune(self.book, code, record, caller.account, now))

    async def patch_commune(
        self, caller: Principal, code: str, changes: dict[str, Any]
    ) -> MasterDataEvent:
        access.check(caller, Action.COMMUNE_FIGURES, self._commune_subject(code))
        now = self._clock()
        return await self._record(
            core.change_commune(self.book, code, changes, caller.account, now)
        )

    async def put_village(
        self, caller: Principal, commune: str, code: str, record: dict[str, Any]
    ) -> MasterDataEvent:
        access.check(caller, Action.COMMUNE_FIGURES, self._commune_subject(commune))
        now = self._clock()
        village = core.record_village(self.book, commune, code, record, caller.account, now)
        return await self._record(village)

    async def put_unit(
        self, caller: Principal, code: str, record: dict[str, Any]
    ) -> MasterDataEvent:
        access.check(caller, Action.MASTER_DATA, self.book.unit_subject(code))
        now = self._clock()
        return await self._record(core.record_unit(self.book, code, record, caller.account, now))

    async def patch_unit(
        self, caller: Principal, code: str, changes: dict[str, Any]
    ) -> MasterDataEvent:
        if code not in self.book.units:
            raise RecordNotFound(f"no unit with code {code!r}")
        access.check(caller, Action.UNIT_HEADCOUNT, self.book.unit_subject(code))
        now = self._clock()
        return await self._record(core.change_unit(self.book, code, changes, caller.account, now))


def public(record: MasterDataEvent) -> dict[str, Any]:
    """A record as anyone may see it: who changed it stays out (an official's account)."""
    if isinstance(record, CommuneRecorded):
        shown: dict[str, Any] = {
            "code": record.official_code,
            "name": record.name,
            "kind": record.kind,
            "population": record.population,
            "adult_population": record.adult_population,
            "students": record.students,
            "plan_number": record.plan_number,
            "launch_date": None if record.launch_date is None else record.launch_date.isoformat(),
        }
    elif isinstance(record, VillageRecorded):
        shown = {
            "commune_code": record.commune_code,
            "code": record.code,
            "name": record.name,
            "population": record.population,
            "adult_population": record.adult_population,
            "synthetic": record.synthetic,
        }
    else:
        assert isinstance(record, UnitRecorded)
        shown = {
            "code": record.code,
            "name": record.name,
            "group": record.group,
            "parent": record.parent,
            "headcount": record.headcount,
            "commune_code": record.commune_code,
        }
    return {**shown, "changed_at": record.changed_at.isoformat()}


People = Annotated[int | None, Field(ge=0, description="people; null: not known (never 0)")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommuneFigures(_Body):
    """What a commune's manager keeps up to date; fields left out stay as they are."""

    population: People = None
    adult_population: People = Field(None, ge=0, description="residents aged 18 and over")
    students: People = None
    plan_number: str | None = Field(None, max_length=100, description="its campaign plan")
    launch_date: date | None = Field(None, description="its launch ceremony")


class CommuneRecord(CommuneFigures):
    name: str = Field(max_length=400)
    kind: Literal["xa", "phuong", "dac_khu"]


class VillageRecord(_Body):
    name: str = Field(max_length=400)
    population: People = None
    adult_population: People = None
    target_percent: int | None = Field(
        None, ge=1, le=100, description="the commune's target: % of adults taking part"
    )
    target_deadline: date | None = Field(None, description="by the end of this day (+07:00)")


class UnitFigures(_Body):
    headcount: People = Field(None, ge=0, description="the unit's own staff, not its sub-units")


class UnitRecord(UnitFigures):
    name: str = Field(max_length=400)
    group: str = Field(max_length=64, description="e.g. co_quan_chuyen_mon_ubnd, ubnd_xa")
    parent: str | None = Field(None, description="the unit above it; null for the top")
    commune_code: str | None = Field(None, description="for a commune's people's committee")


def _changes(request: HttpRequest) -> MasterDataChanges:
    changes: MasterDataChanges = request.app.state.master_data
    return changes


Changes = Annotated[MasterDataChanges, Depends(_changes)]
Provincial = Annotated[Principal, allow(Action.MASTER_DATA)]
CommuneKeeper = Annotated[Principal, allow(Action.COMMUNE_FIGURES)]
UnitKeeper = Annotated[Principal, allow(Action.UNIT_HEADCOUNT)]
CHANGED: dict[int | str, dict[str, Any]] = {
    200: {"description": "The record as every service now holds it"},
    422: {"description": "A name, code or figure that is not allowed, or an unknown reference"},
    503: {"description": "The change could not be published or read back in time; retry"},
}

router = APIRouter(
    prefix="/v1", tags=["master data"], responses=JSON_BODIES, dependencies=[JSON_ONLY]
)


def add_master_data_refusals(app: FastAPI) -> None:
    @app.exception_handler(RecordNotFound)
    async def not_found(_: HttpRequest, exc: RecordNotFound) -> JSONResponse:
        return problem(404, "not_found", str(exc.args[0]))


@router.get("/communes", dependencies=[PUBLIC], summary="Every commune, with its figures")
async def communes(changes: Changes) -> list[dict[str, Any]]:
    return [public(c) for c in changes.book.communes.values()]


@router.get("/communes/{code}", dependencies=[PUBLIC], summary="A commune and its figures")
async def commune(code: str, changes: Changes) -> dict[str, Any]:
    known = changes.book.communes.get(code)
    if known is None:
        raise RecordNotFound(f"no commune with official code {code!r}")
    return public(known)


@router.put(
    "/communes/{code}",
    responses=CHANGED,
    summary="Record a commune whole (the province)",
)
async def put_commune(
    code: str, body: CommuneRecord, caller: Provincial, changes: Changes
) -> dict[str, Any]:
    return public(await changes.put_commune(caller, code, body.model_dump()))


@router.patch(
    "/communes/{code}",
    responses=CHANGED,
    summary="Change a commune's figures, plan number or launch date (its manager)",
    description="Fields sent replace the stored ones (null: not known); fields left out stay.",
)
async def patch_commune(
    code: str, body: CommuneFigures, caller: CommuneKeeper, changes: Changes
) -> dict[str, Any]:
    sent = body.model_dump(exclude_unset=True)
    return public(await changes.patch_commune(caller, code, sent))


@router.get(
    "/communes/{code}/villages",
    dependencies=[PUBLIC],
    summary="The villages of a commune (as the commune entered them)",
)
async def villages(code: str, changes: Changes) -> list[dict[str, Any]]:
    if code not in changes.book.communes:
        raise RecordNotFound(f"no commune with official code {code!r}")
    return [public(v) for v in changes.book.villages.get(code, {}).values()]


@router.put(
    "/communes/{code}/villages/{village}",
    responses=CHANGED,
    summary="Record a village of the commune (its manager)",
)
async def put_village(
    code: str, village: str, body: VillageRecord, caller: CommuneKeeper, changes: Changes
) -> dict[str, Any]:
    return public(await changes.put_village(caller, code, village, body.model_dump()))


@router.get("/units", dependencies=[PUBLIC], summary="Every unit, as a tree by `parent`")
async def units(changes: Changes) -> list[dict[str, Any]]:
    return [public(u) for u in changes.book.units.values()]


@router.get("/units/{code}", dependencies=[PUBLIC], summary="A unit")
async def unit(code: str, changes: Changes) -> dict[str, Any]:
    known = changes.book.units.get(code)
    if known is None:
        raise RecordNotFound(f"no unit with code {code!r}")
    return public(known)


@router.put("/units/{code}", responses=CHANGED, summary="Record a unit whole (the province)")
async def put_unit(
    code: str, body: UnitRecord, caller: Provincial, changes: Changes
) -> dict[str, Any]:
    return public(await changes.put_unit(caller, code, body.model_dump()))


@router.patch(
    "/units/{code}",
    responses=CHANGED,
    summary="Change a unit's headcount (its manager, or a manager of a unit above it)",
)
async def patch_unit(
    code: str, body: UnitFigures, caller: UnitKeeper, changes: Changes
) -> dict[str, Any]:
    return public(await changes.patch_unit(caller, code, body.model_dump(exclude_unset=True)))
