"""The grading service: a faust agent per learner partition, with health and metrics."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, datetime

import faust
from fastapi import FastAPI

from hocvuso.adapters.faust_app import consume, make_faust_app, raw_topic
from hocvuso.adapters.http import add_error_handlers, add_operational_routes
from hocvuso.adapters.kafka import ensure_topics
from hocvuso.adapters.mappers import decode_grading_state, encode_grading_state
from hocvuso.course_files import packaged_catalog
from hocvuso.domain import events as ev
from hocvuso.domain import grading
from hocvuso.domain.course import Catalog
from hocvuso.settings import Settings

SERVICE = "grading"


def build_worker(settings: Settings, catalog: Catalog) -> faust.App:
    app = make_faust_app(f"hocvuso-{SERVICE}", settings.kafka)
    # bytes, so the changelog keeps what we encode (the default codec would re-read it as JSON)
    learners = app.Table("grading-learners", default=None, value_type=bytes)
    inputs = raw_topic(app, ev.LessonProgressed.topic, ev.AttemptStarted.topic)

    async def handle(event: ev.Event) -> list[ev.Event]:
        key = event.learner_id
        stored = learners.get(key)
        state = decode_grading_state(stored) if stored is not None else None
        state, outputs = grading.grade(catalog, state, event, datetime.now(UTC))
        if state is not None and (encoded := encode_grading_state(state)) != stored:
            learners[key] = encoded  # an unchanged state (a redelivery) is not written again
        return outputs

    @app.agent(inputs)
    async def grade(stream):
        await consume(app, stream, SERVICE, handle)

    return app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await ensure_topics(settings.kafka)
        worker = build_worker(settings, packaged_catalog())
        await worker.start()
        app.state.worker = worker
        try:
            yield
        finally:
            await worker.stop()

    app = FastAPI(title="hocvuso grading", version="1", lifespan=lifespan)
    add_error_handlers(app)

    async def readiness() -> dict[str, bool]:
        worker = app.state.worker
        return {
            "worker": worker.started and not worker.should_stop,
            "broker": worker.producer.started,
        }

    add_operational_routes(app, readiness)
    return app
