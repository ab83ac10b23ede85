"""The enrollment service: registration, lesson progress and attempts over HTTP.

Every accepted request is stored with the events it announces in one MongoDB write; the
outbox relay hands those events to Kafka. A consumer brings grading's and certs'
decisions back into the learner's record.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pymongo import WriteConcern

from hocvuso.adapters.auth import verifier_from
from hocvuso.adapters.backoff import until_done
from hocvuso.adapters.batched import Batched
from hocvuso.adapters.http import service_app, with_deadline
from hocvuso.adapters.kafka import BatchConsumer
from hocvuso.adapters.master_data_feed import follow_master_data
from hocvuso.adapters.mongo_learners import MongoLearners
from hocvuso.adapters.outbox import OutboxRelay
from hocvuso.adapters.runtime import Lifespan, Runtime, service_lifespan
from hocvuso.course_files import configured_catalog
from hocvuso.domain import events as ev
from hocvuso.settings import Settings
from services.enrollment.api import add_refusals, router
from services.enrollment.lists import router as lists_router
from services.enrollment.master_data import MasterDataChanges, add_master_data_refusals
from services.enrollment.master_data import router as master_data_router
from services.enrollment.service import Enrollment
from services.enrollment.staff import router as staff_router

SERVICE = "enrollment"
DECISIONS = (ev.AttemptGraded.topic, ev.CertificateIssued.topic)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def setup(runtime: Runtime, app: FastAPI) -> None:
        # The operator's options as configured; WriteConcern checks their names and values.
        options: dict[str, Any] = settings.mongo.write_concern
        concern = WriteConcern(**options)
        learners = MongoLearners(
            runtime.database(),
            concern,
            timeout_seconds=settings.http.request_timeout_seconds,
            ack_delay_seconds=settings.enrollment.outbox_clear_delay_seconds,
            cached_learners=settings.enrollment.cached_learners,
        )
        await until_done(learners.create_indexes, "create indexes")
        relay = OutboxRelay(learners, runtime.publisher, SERVICE)
        feed = await follow_master_data(runtime, owner=True)
        app.state.master_data = MasterDataChanges(feed, runtime.publisher)
        service = Enrollment(
            learners, configured_catalog(settings.course), feed.book, on_stored=relay.wake
        )
        app.state.enrollment = service
        runtime.run_in_background(relay.run, "outbox relay")

        # A consumed batch's decisions are taken together before its offsets are committed:
        # one write per learner, not one per decision.
        group = f"hocvuso-{SERVICE}"
        decisions = Batched(service.record)
        delivery = runtime.delivery(decisions.collect, group)
        consumer = BatchConsumer(settings.kafka, group, DECISIONS, delivery, flush=decisions.flush)
        await runtime.start_consumer(consumer)

    return http_app(settings, service_lifespan(settings, SERVICE, setup))


def http_app(settings: Settings, lifespan: Lifespan) -> FastAPI:
    """The HTTP side alone; the lifespan puts an `Enrollment` in `app.state.enrollment`
    (tests run it in-process over the in-memory repository)."""
    app = service_app(
        "hocvuso enrollment",
        lifespan,
        "Learners register, study lessons, take quizzes and the final exam.",
        routers=[router, master_data_router, staff_router, lists_router],
        verifier=verifier_from(settings.auth),
    )
    add_refusals(app)
    add_master_data_refusals(app)
    with_deadline(app, settings.http.request_timeout_seconds)
    return app
