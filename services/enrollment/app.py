"""The enrollment service: registration, lesson progress and attempts over HTTP."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from hocvuso.adapters.connections import connected
from hocvuso.adapters.http import add_error_handlers, add_operational_routes
from hocvuso.adapters.kafka import BatchConsumer
from hocvuso.adapters.reference_cache import load_reference_data
from hocvuso.course_files import packaged_catalog
from hocvuso.settings import Settings
from services.enrollment.api import router
from services.enrollment.projection import TOPICS, ResultProjection
from services.enrollment.store import EnrollmentStore

SERVICE = "enrollment"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with connected(settings, SERVICE) as parts:
            catalog = packaged_catalog()
            store = EnrollmentStore(parts.database(), catalog)
            await store.create_indexes()
            app.state.reference = await load_reference_data(parts.client, settings.mongo)
            projection = ResultProjection(store, parts.publisher)
            await parts.start_consumer(
                BatchConsumer(settings.kafka, f"hocvuso-{SERVICE}", TOPICS, projection.handle_batch)
            )
            app.state.catalog, app.state.store, app.state.publisher = (
                catalog,
                store,
                parts.publisher,
            )
            app.state.parts = parts
            yield

    app = FastAPI(
        title="hocvuso enrollment",
        version="1",
        description="Learners register, study lessons, take quizzes and the final exam.",
        lifespan=lifespan,
    )
    add_error_handlers(app)
    add_operational_routes(app, lambda: app.state.parts.readiness())
    app.include_router(router)
    return app
