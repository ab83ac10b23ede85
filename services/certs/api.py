"""Certs' HTTP routes: the public keys, a certificate, and checking a token."""

from __future__ import annotations

from typing import Any

import jwt
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hocvuso.adapters.http_access import PUBLIC
from hocvuso.adapters.problems import ERROR_RESPONSES, problem
from hocvuso.signing import Signer

router = APIRouter()


class TokenToCheck(BaseModel):
    token: str = Field(min_length=1, description="The certificate's compact JWS")


def _signer(request: Request) -> Signer:
    signer: Signer = request.app.state.signer
    return signer


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "certificate_id": doc["_id"],
        "full_name": doc["full_name"],
        "course_version": doc["course_version"],
        "exam": {"correct": doc["exam_correct"], "total": doc["exam_total"]},
        "issued_at": doc["issued_at"].isoformat(),
        "token": doc["token"],
    }


@router.get(
    "/v1/keys",
    dependencies=[PUBLIC],
    summary="The public keys that verify certificates (JWKS)",
)
async def keys(request: Request) -> dict[str, Any]:
    return {"keys": [_signer(request).public_jwk]}


@router.get(
    "/v1/certificates/{certificate_id}",
    dependencies=[PUBLIC],
    response_model=None,  # a problem or the certificate: no model, as before annotations
    responses=ERROR_RESPONSES,
    summary="A certificate",
)
async def certificate(certificate_id: str, request: Request) -> JSONResponse | dict[str, Any]:
    doc = await request.app.state.certificates.get(certificate_id)
    if doc is None:
        return problem(404, "not_found", f"no certificate {certificate_id!r}")
    return _public(doc)


@router.post(
    "/v1/certificates/verify",
    dependencies=[PUBLIC],
    responses={**ERROR_RESPONSES, 422: {"description": "The token is not a valid certificate"}},
    response_model=None,
    summary="Check a certificate token someone was shown",
)
async def verify(body: TokenToCheck, request: Request) -> JSONResponse | dict[str, Any]:
    try:
        claims = _signer(request).verify(body.token)
    except jwt.InvalidTokenError as exc:
        return problem(422, "invalid_certificate", f"not a valid hocvuso certificate: {exc}")
    doc = await request.app.state.certificates.get(str(claims.get("jti")))
    return {"valid": doc is not None and doc["token"] == body.token, "claims": claims}
