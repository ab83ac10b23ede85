"""The certs service: issues signed certificates for passed exams and shows them to anyone."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from faust.types import StreamT
from pydantic import BaseModel, Field

from hocvuso.adapters.faust_app import FaustWorker, consume, make_faust_app, raw_topic
from hocvuso.adapters.http import (
    ERROR_RESPONSES,
    add_error_handlers,
    add_operational_routes,
    problem,
)
from hocvuso.adapters.mappers import decode_certification_state, encode_certification_state
from hocvuso.adapters.mongo_certificates import MongoCertificates
from hocvuso.adapters.repositories import CertificateStore
from hocvuso.adapters.runtime import Runtime, service_lifespan
from hocvuso.domain import certification
from hocvuso.domain import events as ev
from hocvuso.settings import Settings
from hocvuso.signing import Signer, read_key
from services.certs.issuer import issue, issued_event

SERVICE = "certs"
log = logging.getLogger(__name__)


class TokenToCheck(BaseModel):
    token: str = Field(min_length=1, description="The certificate's compact JWS")


def build_worker(runtime: Runtime, certificates: CertificateStore, signer: Signer) -> FaustWorker:
    settings = runtime.settings
    app = make_faust_app(f"hocvuso-{SERVICE}", settings.kafka)
    # Per-learner certification state as bytes (the default codec would re-read it as JSON).
    learners = app.Table("certs-learners", default=None, value_type=bytes)
    inputs = raw_topic(app, ev.LearnerRegistered.topic, ev.AttemptGraded.topic)

    async def handle(event: ev.Event, partition: int) -> Sequence[ev.Event]:
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
        return [issued_event(await certificates.issue_once(doc))]

    delivery = runtime.delivery(handle, f"hocvuso-{SERVICE}")

    @app.agent(inputs)
    async def certify(stream: StreamT[bytes]) -> None:
        await consume(stream, delivery)

    return FaustWorker(app, delivery)


def _public(doc: dict[str, Any]) -> dict[str, Any]:
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

    async def setup(runtime: Runtime, app: FastAPI) -> None:
        certificates = MongoCertificates(runtime.database())
        app.state.certificates = certificates
        await runtime.start_consumer(build_worker(runtime, certificates, signer))

    app = FastAPI(
        title="hocvuso certs",
        version="1",
        description="Electronic certificates, signed with Ed25519 (JWS, alg EdDSA).",
        lifespan=service_lifespan(settings, SERVICE, setup),
    )
    add_error_handlers(app)
    add_operational_routes(app)

    @app.get("/v1/keys", summary="The public keys that verify certificates (JWKS)")
    async def keys() -> dict[str, Any]:
        return {"keys": [signer.public_jwk]}

    @app.get(
        "/v1/certificates/{certificate_id}",
        response_model=None,  # a problem or the certificate: no model, as before annotations
        responses=ERROR_RESPONSES,
        summary="A certificate",
    )
    async def certificate(certificate_id: str, request: Request) -> JSONResponse | dict[str, Any]:
        doc = await request.app.state.certificates.get(certificate_id)
        if doc is None:
            return problem(404, "not_found", f"no certificate {certificate_id!r}")
        return _public(doc)

    @app.post(
        "/v1/certificates/verify",
        responses={**ERROR_RESPONSES, 422: {"description": "The token is not a valid certificate"}},
        response_model=None,
        summary="Check a certificate token someone was shown",
    )
    async def verify(body: TokenToCheck, request: Request) -> JSONResponse | dict[str, Any]:
        try:
            claims = signer.verify(body.token)
        except jwt.InvalidTokenError as exc:
            return problem(422, "invalid_certificate", f"not a valid hocvuso certificate: {exc}")
        doc = await request.app.state.certificates.get(str(claims.get("jti")))
        return {"valid": doc is not None and doc["token"] == body.token, "claims": claims}

    return app
