"""The certs service: issues signed certificates for passed exams and shows them to anyone."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import faust
import jwt
from fastapi import FastAPI, Request
from pydantic import BaseModel, Field
from pymongo.errors import DuplicateKeyError, PyMongoError

from hocvuso.adapters import mongo
from hocvuso.adapters.faust_app import consume, make_faust_app, raw_topic
from hocvuso.adapters.http import (
    ERROR_RESPONSES,
    add_error_handlers,
    add_operational_routes,
    problem,
)
from hocvuso.adapters.kafka import ensure_topics
from hocvuso.adapters.mappers import decode_certification_state, encode_certification_state
from hocvuso.domain import certification
from hocvuso.domain import events as ev
from hocvuso.settings import Settings
from hocvuso.signing import Signer, read_key
from services.certs.issuer import issue, issued_event

SERVICE = "certs"
log = logging.getLogger(__name__)


class TokenToCheck(BaseModel):
    token: str = Field(min_length=1, description="The certificate's compact JWS")


def build_worker(settings: Settings, certificates, signer: Signer) -> faust.App:
    app = make_faust_app(f"hocvuso-{SERVICE}", settings.kafka)
    # Per-learner certification state as bytes (the default codec would re-read it as JSON).
    learners = app.Table("certs-learners", default=None, value_type=bytes)
    inputs = raw_topic(app, ev.LearnerRegistered.topic, ev.AttemptGraded.topic)

    async def handle(event: ev.Event) -> list[ev.Event]:
        key = event.learner_id
        stored = learners.get(key)
        state = decode_certification_state(stored) if stored is not None else None
        state, decision = certification.decide(state, event)
        if state is not None and (encoded := encode_certification_state(state)) != stored:
            learners[key] = encoded
        if decision is None:
            return []
        doc = issue(decision, settings.certs.issuer, signer)
        # Announced again on every redelivery: the certificate id makes it one fact.
        return [issued_event(await _store_once(certificates, doc))]

    @app.agent(inputs)
    async def certify(stream):
        await consume(app, stream, SERVICE, handle)

    return app


async def _store_once(certificates, doc: dict) -> dict:
    """The first issuance wins; a retry gets back exactly what was stored and signed.

    A database outage is waited out rather than skipped: the exam was passed, so the
    certificate must follow once the database is back.
    """
    delay = 0.5
    while True:
        try:
            return await _insert_or_read(certificates, doc)
        except PyMongoError:
            log.exception("certificate store unavailable; retrying in %.1f s", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


async def _insert_or_read(certificates, doc: dict) -> dict:
    existing = await certificates.find_one({"_id": doc["_id"]})
    if existing is not None:
        return existing
    try:
        await certificates.insert_one(doc)
    except DuplicateKeyError:
        return await certificates.find_one({"_id": doc["_id"]})
    return doc


def _public(doc: dict) -> dict:
    return {
        "certificate_id": doc["_id"],
        "learner_id": doc["learner_id"],
        "full_name": doc["full_name"],
        "course_version": doc["course_version"],
        "exam": {"correct": doc["exam_correct"], "total": doc["exam_total"]},
        "issued_at": doc["issued_at"].isoformat(),
        "token": doc["token"],
    }


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.certs.signing_key_file is None:
        raise SystemExit(
            "HOCVUSO_CERTS__SIGNING_KEY_FILE is not set: create a key with "
            "`hocvuso keygen PATH` and point the variable at it"
        )
    signer = Signer(read_key(settings.certs.signing_key_file))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        client = mongo.connect(settings.mongo)
        certificates = mongo.database(client, settings.mongo, SERVICE)["certificates"]
        await ensure_topics(settings.kafka)
        worker = build_worker(settings, certificates, signer)
        await worker.start()
        app.state.client, app.state.certificates, app.state.worker = client, certificates, worker
        try:
            yield
        finally:
            await worker.stop()
            await client.close()

    app = FastAPI(
        title="hocvuso certs",
        version="1",
        description="Electronic certificates, signed with Ed25519 (JWS, alg EdDSA).",
        lifespan=lifespan,
    )
    add_error_handlers(app)

    async def readiness() -> dict[str, bool]:
        worker = app.state.worker
        return {
            "database": await mongo.ping(app.state.client),
            "worker": worker.started and not worker.should_stop,
        }

    add_operational_routes(app, readiness)

    @app.get("/v1/keys", summary="The public keys that verify certificates (JWKS)")
    async def keys() -> dict:
        return {"keys": [signer.public_jwk]}

    @app.get(
        "/v1/certificates/{certificate_id}", responses=ERROR_RESPONSES, summary="A certificate"
    )
    async def certificate(certificate_id: str, request: Request):
        doc = await request.app.state.certificates.find_one({"_id": certificate_id})
        if doc is None:
            return problem(404, "not_found", f"no certificate {certificate_id!r}")
        return _public(doc)

    @app.post(
        "/v1/certificates/verify",
        responses={**ERROR_RESPONSES, 422: {"description": "The token is not a valid certificate"}},
        summary="Check a certificate token someone was shown",
    )
    async def verify(body: TokenToCheck, request: Request):
        try:
            claims = signer.verify(body.token)
        except jwt.InvalidTokenError as exc:
            return problem(422, "invalid_certificate", f"not a valid hocvuso certificate: {exc}")
        doc = await request.app.state.certificates.find_one({"_id": claims.get("jti")})
        return {"valid": doc is not None and doc["token"] == body.token, "claims": claims}

    return app
