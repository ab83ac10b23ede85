"""The enrollment service: registration, lesson progress and attempts over HTTP."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from hocvuso.adapters import mongo
from hocvuso.adapters.http import add_error_handlers, add_operational_routes
from hocvuso.adapters.kafka import BatchConsumer, Publisher, ensure_topics
from hocvuso.adapters.reference_cache import load_reference_data
from hocvuso.domain.course import packaged_catalog
from hocvuso.settings import Settings
from services.enrollment.api import router
from services.enrollment.projection import TOPICS, ResultProjection
from services.enrollment.store import EnrollmentStore

SERVICE = "enrollment"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        client = mongo.connect(settings.mongo)
        await ensure_topics(settings.kafka)
        catalog = packaged_catalog()
        store = EnrollmentStore(mongo.database(client, settings.mongo, SERVICE), catalog)
        await store.create_indexes()
        publisher = Publisher(settings.kafka, SERVICE)
        await publisher.start()
        projection = ResultProjection(store, publisher)
        consumer = BatchConsumer(
            settings.kafka, f"hocvuso-{SERVICE}", TOPICS, projection.handle_batch
        )
        await consumer.start()
        app.state.catalog, app.state.store, app.state.publisher = catalog, store, publisher
        app.state.reference = await load_reference_data(client, settings.mongo)
        app.state.readiness = lambda: _readiness(client, publisher, consumer)
        try:
            yield
        finally:
            await consumer.stop()
            await publisher.stop()
            await client.close()

    app = FastAPI(
        title="hocvuso enrollment",
        version="1",
        description="Learners register, study lessons, take quizzes and the final exam.",
        lifespan=lifespan,
    )
    add_error_handlers(app)
    add_operational_routes(app, lambda: app.state.readiness())
    app.include_router(router)
    return app


async def _readiness(client, publisher: Publisher, consumer: BatchConsumer) -> dict[str, bool]:
    return {
        "database": await mongo.ping(client),
        "broker": publisher.started,
        "consumer": consumer.running,
    }
