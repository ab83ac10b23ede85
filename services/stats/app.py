"""The stats service: live counters for the province, communes and units."""

from __future__ import annotations

from fastapi import FastAPI

from hocvuso.adapters.auth import verifier_from
from hocvuso.adapters.backoff import until_done
from hocvuso.adapters.http import service_app
from hocvuso.adapters.kafka import BatchConsumer
from hocvuso.adapters.master_data_feed import follow_master_data
from hocvuso.adapters.mongo_counters import MongoCounters
from hocvuso.adapters.runtime import Runtime, service_lifespan
from hocvuso.course_files import configured_catalog
from hocvuso.settings import Settings
from services.stats.api import router
from services.stats.counting import TOPICS, Counting
from services.stats.rankings import router as rankings_router
from services.stats.summary import router as summary_router
from services.stats.targets import router as targets_router

SERVICE = "stats"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def setup(runtime: Runtime, app: FastAPI) -> None:
        store = MongoCounters(runtime.database())
        await until_done(store.create_indexes, "create indexes")
        master = (await follow_master_data(runtime)).book
        counting = Counting(
            store,
            master.unit_parents,  # live: a unit added later is rolled up too
            settings.state_dir / SERVICE,
            settings.stats.cached_learners_per_partition,
        )
        group = f"hocvuso-{SERVICE}"
        consumer = BatchConsumer(
            settings.kafka,
            group,
            TOPICS,
            runtime.delivery(counting.handle, group),
            flush=counting.flush,
            prepare=counting.prepare,
            on_assigned=counting.on_assigned,
            on_revoked=counting.on_revoked,
            before_each=counting.at,
        )
        await runtime.start_consumer(consumer)
        interval = settings.stats.publish_interval_seconds
        runtime.run_in_background(lambda: counting.publish_forever(interval), "stats read model")
        app.state.store, app.state.master = store, master
        app.state.campaign_start = configured_catalog(settings.course).first.effective_from

    return service_app(
        "hocvuso stats",
        service_lifespan(settings, SERVICE, setup),
        routers=[router, summary_router, rankings_router, targets_router],
        verifier=verifier_from(settings.auth),
    )
