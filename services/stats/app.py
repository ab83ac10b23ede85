"""The stats service: live counters for the province, communes and units."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from hocvuso.adapters.connections import connected
from hocvuso.adapters.http import (
    ERROR_RESPONSES,
    add_error_handlers,
    add_operational_routes,
    problem,
)
from hocvuso.adapters.kafka import BatchConsumer
from hocvuso.adapters.reference_cache import load_reference_data
from hocvuso.domain.counters import CATEGORIES, PROVINCE_SCOPE, Counts, commune_scope, unit_scope
from hocvuso.domain.rates import percent
from hocvuso.settings import Settings
from services.stats.counting import TOPICS, Counting
from services.stats.store import StatsStore

SERVICE = "stats"


def present(scope: str, counts: Counts, extra: dict | None = None) -> dict:
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

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with connected(settings, SERVICE) as parts:
            store = StatsStore(parts.database())
            await store.create_indexes()
            reference = await load_reference_data(parts.client, settings.mongo)
            counting = Counting(store, parts.publisher, reference.unit_parents)
            consumer = BatchConsumer(
                settings.kafka,
                f"hocvuso-{SERVICE}",
                TOPICS,
                counting.handle_batch,
                on_assigned=counting.on_assigned,
                on_revoked=counting.on_revoked,
            )
            await parts.start_consumer(consumer)
            app.state.store, app.state.reference, app.state.parts = store, reference, parts
            yield

    app = FastAPI(title="hocvuso stats", version="1", lifespan=lifespan)
    add_error_handlers(app)
    add_operational_routes(app, lambda: app.state.parts.readiness())

    @app.get("/v1/stats/province", summary="Live totals for the whole province")
    async def province(request: Request) -> dict:
        counts = await request.app.state.store.totals(PROVINCE_SCOPE)
        return present(PROVINCE_SCOPE, counts)

    @app.get(
        "/v1/stats/communes/{code}", responses=ERROR_RESPONSES, summary="Live totals of a commune"
    )
    async def commune(code: str, request: Request):
        known = request.app.state.reference.communes.get(code)
        if known is None:
            return problem(404, "not_found", f"no commune with official code {code!r}")
        counts = await request.app.state.store.totals(commune_scope(code))
        extra = {"code": code, "name": known["name"], "population": known.get("population")}
        return present(commune_scope(code), counts, extra)

    @app.get(
        "/v1/stats/units/{code}",
        responses=ERROR_RESPONSES,
        summary="Live totals of a unit and its sub-units",
    )
    async def unit(code: str, request: Request):
        known = request.app.state.reference.units.get(code)
        if known is None:
            return problem(404, "not_found", f"no unit with code {code!r}")
        counts = await request.app.state.store.totals(unit_scope(code))
        return present(unit_scope(code), counts, {"code": code, "name": known["name"]})

    return app
