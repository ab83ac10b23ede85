"""The enrollment service: registration, lesson progress and attempts over HTTP."""

from __future__ import annotations

from fastapi import FastAPI

from hocvuso.adapters.backoff import until_done
from hocvuso.adapters.http import add_error_handlers, add_operational_routes
from hocvuso.adapters.kafka import BatchConsumer
from hocvuso.adapters.reference_cache import load_reference_data
from hocvuso.adapters.runtime import Runtime, service_lifespan
from hocvuso.domain.course import packaged_catalog
from hocvuso.settings import Settings
from services.enrollment.api import router
from services.enrollment.projection import TOPICS, ResultProjection
from services.enrollment.store import EnrollmentStore

SERVICE = "enrollment"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def setup(runtime: Runtime, app: FastAPI) -> None:
        catalog = packaged_catalog()
        store = EnrollmentStore(runtime.database(), catalog)
        await until_done(store.create_indexes, "create indexes")
        app.state.reference = await until_done(
            lambda: load_reference_data(runtime.client, settings.mongo), "load master data"
        )
        group = f"hocvuso-{SERVICE}"
        projection = ResultProjection(store)
        delivery = runtime.delivery(projection.handle, group)
        await runtime.start_consumer(BatchConsumer(settings.kafka, group, TOPICS, delivery))
        app.state.catalog, app.state.store = catalog, store
        app.state.publisher = runtime.publisher

    app = FastAPI(
        title="hocvuso enrollment",
        version="1",
        description="Learners register, study lessons, take quizzes and the final exam.",
        lifespan=service_lifespan(settings, SERVICE, setup),
    )
    add_error_handlers(app)
    add_operational_routes(app)
    app.include_router(router)
    return app
