"""The grading service: a faust agent per learner partition, with health and metrics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fastapi import FastAPI
from faust.types import StreamT

from hocvuso.adapters.faust_app import FaustWorker, consume, make_faust_app, raw_topic
from hocvuso.adapters.faust_tables import BatchedTable
from hocvuso.adapters.http import service_app
from hocvuso.adapters.mappers import decode_grading_state, encode_grading_state
from hocvuso.adapters.runtime import Runtime, service_lifespan
from hocvuso.course_files import configured_catalog
from hocvuso.domain import events as ev
from hocvuso.domain import grading
from hocvuso.domain.course import Catalog
from hocvuso.settings import Settings

SERVICE = "grading"


def build_worker(runtime: Runtime, catalog: Catalog) -> FaustWorker:
    app = make_faust_app(f"hocvuso-{SERVICE}", runtime.settings.kafka, runtime.settings.state_dir)
    # bytes, so the changelog keeps what we encode (the default codec would re-read it as JSON)
    table = app.Table("grading-learners", default=None, value_type=bytes)
    learners = BatchedTable(table, runtime.publisher)  # saved once per batch
    inputs = raw_topic(app, ev.LessonProgressed.topic, ev.AttemptStarted.topic)

    async def handle(event: ev.Event, partition: int) -> Sequence[ev.Event]:
        key = event.learner_id
        stored = learners.get(key)
        state = decode_grading_state(stored) if stored is not None else None
        state, outputs = grading.grade(catalog, state, event, datetime.now(UTC))
        if state is not None and (encoded := encode_grading_state(state)) != stored:
            # an unchanged state (a redelivery) is not written again
            learners.set(key, encoded, partition)
        return outputs

    delivery = runtime.delivery(handle, f"hocvuso-{SERVICE}")

    @app.agent(inputs)
    async def grade(stream: StreamT[bytes]) -> None:
        await consume(stream, delivery, learners)

    return FaustWorker(app, delivery)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def setup(runtime: Runtime, app: FastAPI) -> None:
        await runtime.start_consumer(build_worker(runtime, configured_catalog(settings.course)))

    lifespan = service_lifespan(settings, SERVICE, setup, consumes_only=True)
    return service_app("hocvuso grading", lifespan)
