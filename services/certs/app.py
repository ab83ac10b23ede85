"""The certs service: issues signed certificates for passed exams and shows them to anyone."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from faust.types import StreamT

from hocvuso.adapters.faust_app import FaustWorker, consume, make_faust_app, raw_topic
from hocvuso.adapters.faust_tables import BatchedTable
from hocvuso.adapters.http import service_app
from hocvuso.adapters.mappers import decode_certification_state, encode_certification_state
from hocvuso.adapters.mongo_certificates import MongoCertificates
from hocvuso.adapters.repositories import CertificateStore
from hocvuso.adapters.runtime import Runtime, service_lifespan
from hocvuso.domain import certification
from hocvuso.domain import events as ev
from hocvuso.settings import Settings
from hocvuso.signing import Signer, read_key
from services.certs.api import router
from services.certs.issuer import issue, issued_event

SERVICE = "certs"


def build_worker(runtime: Runtime, certificates: CertificateStore, signer: Signer) -> FaustWorker:
    settings = runtime.settings
    app = make_faust_app(f"hocvuso-{SERVICE}", settings.kafka, settings.state_dir)
    # Per-learner certification state as bytes (the default codec would re-read it as JSON).
    table = app.Table("certs-learners", default=None, value_type=bytes)
    learners = BatchedTable(table, runtime.publisher)  # saved once per batch
    inputs = raw_topic(app, ev.LearnerRegistered.topic, ev.AttemptGraded.topic)

    async def handle(event: ev.Event, partition: int) -> Sequence[ev.Event]:
        key = event.learner_id
        stored = learners.get(key)
        state = decode_certification_state(stored) if stored is not None else None
        state, decision = certification.decide(state, event)
        if state is not None and (encoded := encode_certification_state(state)) != stored:
            learners.set(key, encoded, partition)
        if decision is None:
            return []
        doc = issue(decision, settings.certs.issuer, signer)
        # Announced again on every redelivery: the certificate id makes it one fact.
        return [issued_event(await certificates.issue_once(doc))]

    delivery = runtime.delivery(handle, f"hocvuso-{SERVICE}")

    @app.agent(inputs)
    async def certify(stream: StreamT[bytes]) -> None:
        await consume(stream, delivery, learners)

    return FaustWorker(app, delivery)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.certs.signing_key_file is None:
        raise SystemExit(
            "HOCVUSO_CERTS__SIGNING_KEY_FILE is not set: create a key with "
            "`hocvuso keygen PATH` and point the variable at it"
        )
    signer = Signer(read_key(settings.certs.signing_key_file))

    async def setup(runtime: Runtime, app: FastAPI) -> None:
        certificates = MongoCertificates(runtime.database())
        app.state.certificates = certificates
        await runtime.start_consumer(build_worker(runtime, certificates, signer))

    app = service_app(
        "hocvuso certs",
        service_lifespan(settings, SERVICE, setup),
        "Electronic certificates, signed with Ed25519 (JWS, alg EdDSA).",
        routers=[router],
    )
    app.state.signer = signer
    return app
