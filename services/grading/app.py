"""The grading service: a faust agent per learner partition, with health and metrics."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, datetime

import faust
from fastapi import FastAPI

from hocvuso.adapters.faust_app import dead_letter, make_faust_app, raw_topic
from hocvuso.adapters.http import add_error_handlers, add_operational_routes
from hocvuso.adapters.kafka import ensure_topics
from hocvuso.adapters.metrics import EVENTS_CONSUMED, EVENTS_PUBLISHED
from hocvuso.domain.course import packaged_catalog
from hocvuso.events import contract as ev
from hocvuso.events.envelope import from_record, to_record
from hocvuso.settings import Settings
from services.grading.grader import Grader

SERVICE = "grading"
SOURCE = f"/hocvuso/{SERVICE}"


def build_worker(settings: Settings, grader: Grader) -> faust.App:
    app = make_faust_app(f"hocvuso-{SERVICE}", settings.kafka)
    learners = app.Table("grading-learners", default=None)
    inputs = raw_topic(app, ev.LessonProgressed.topic, ev.AttemptStarted.topic)

    @app.agent(inputs)
    async def grade(stream):
        async for record in stream.events():
            try:
                event = from_record(record.headers, record.value)
                key = event.learner_id
                state, outputs = grader.handle(learners.get(key), event, datetime.now(UTC))
            except Exception as exc:  # the grader is deterministic: a retry would fail again
                await dead_letter(app, record, f"{type(exc).__name__}: {exc}", SERVICE)
                continue
            if state is not None:
                learners[key] = state
            for output in outputs:
                await _send(app, output)
            EVENTS_CONSUMED.labels(SERVICE, event.type_name).inc()

    return app


async def _send(app: faust.App, event: ev.Event) -> None:
    record = to_record(event, SOURCE)
    await raw_topic(app, record.topic).send(
        key=record.key, value=record.value, headers=record.headers
    )
    EVENTS_PUBLISHED.labels(SERVICE, event.type_name).inc()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await ensure_topics(settings.kafka)
        worker = build_worker(settings, Grader(packaged_catalog()))
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
