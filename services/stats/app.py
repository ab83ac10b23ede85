"""The stats service: live counters for the province, communes and units."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hocvuso.adapters.backoff import until_done
from hocvuso.adapters.http import (
    ERROR_RESPONSES,
    add_error_handlers,
    add_operational_routes,
    problem,
)
from hocvuso.adapters.kafka import BatchConsumer
from hocvuso.adapters.mongo_counters import MongoCounters
from hocvuso.adapters.reference_cache import load_reference_data
from hocvuso.adapters.runtime import Runtime, service_lifespan
from hocvuso.domain.counters import CATEGORIES, PROVINCE_SCOPE, Counts, commune_scope, unit_scope
from hocvuso.domain.rates import percent
from hocvuso.settings import Settings
from services.stats.counting import TOPICS, Counting

SERVICE = "stats"


def present(scope: str, counts: Counts, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "scope": scope,
        **(extra or {}),
        "learners": counts["learners"],
        "learners_by_category": {c: counts[f"learners_{c}"] for c in CATEGORIES},
        "topics_completed": counts["topics_completed"],
        "completed_all_topics": counts["completed_all_topics"],
        "certificates": counts["certificates"],
        "certified_percent": percent(counts["certificates"], counts["learners"]),
    }


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def setup(runtime: Runtime, app: FastAPI) -> None:
        store = MongoCounters(runtime.database())
        await until_done(store.create_indexes, "create indexes")
        reference = await until_done(
            lambda: load_reference_data(runtime.client, settings.mongo), "load master data"
        )
        counting = Counting(store, reference.unit_parents)
        group = f"hocvuso-{SERVICE}"
        consumer = BatchConsumer(
            settings.kafka,
            group,
            TOPICS,
            runtime.delivery(counting.handle, group),
            flush=counting.flush,
            on_assigned=counting.on_assigned,
            on_revoked=counting.on_revoked,
        )
        await runtime.start_consumer(consumer)
        app.state.store, app.state.reference = store, reference

    app = FastAPI(
        title="hocvuso stats", version="1", lifespan=service_lifespan(settings, SERVICE, setup)
    )
    add_error_handlers(app)
    add_operational_routes(app)

    @app.get("/v1/stats/province", summary="Live totals for the whole province")
    async def province(request: Request) -> dict[str, Any]:
        counts = await request.app.state.store.totals(PROVINCE_SCOPE)
        return present(PROVINCE_SCOPE, counts)

    @app.get(
        "/v1/stats/communes/{code}",
        response_model=None,  # a problem or the counts: no model, as before annotations
        responses=ERROR_RESPONSES,
        summary="Live totals of a commune",
    )
    async def commune(code: str, request: Request) -> JSONResponse | dict[str, Any]:
        known = request.app.state.reference.communes.get(code)
        if known is None:
            return problem(404, "not_found", f"no commune with official code {code!r}")
        counts = await request.app.state.store.totals(commune_scope(code))
        extra = {"code": code, "name": known["name"], "population": known.get("population")}
        return present(commune_scope(code), counts, extra)

    @app.get(
        "/v1/stats/units/{code}",
        response_model=None,
        responses=ERROR_RESPONSES,
        summary="Live totals of a unit and its sub-units",
    )
    async def unit(code: str, request: Request) -> JSONResponse | dict[str, Any]:
        known = request.app.state.reference.units.get(code)
        if known is None:
            return problem(404, "not_found", f"no unit with code {code!r}")
        counts = await request.app.state.store.totals(unit_scope(code))
        return present(unit_scope(code), counts, {"code": code, "name": known["name"]})

    return app
