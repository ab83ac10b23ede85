"""The HTTP shell every service shares: health, readiness, metrics and error bodies."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pymongo
from aiokafka.errors import KafkaError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pymongo.errors import PyMongoError

from hocvuso.adapters.failures import Unavailable, is_transient
from hocvuso.domain.progress import RuleViolation

log = logging.getLogger(__name__)


def add_operational_routes(app: FastAPI) -> None:
    """Health, readiness and metrics, answered from the service's runtime."""

    @app.get("/healthz", tags=["ops"], summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["ops"],
        summary="Readiness: this process can serve its routes",
        description=(
            "A service with routes of its own is ready when its database answers; a process "
            "that only consumes is ready while none of its consumers is stalled. "
            "`?detail=1` adds each consumer's lag, stall state and seconds since progress."
        ),
        responses={503: {"description": "Not ready; `checks` says what is missing"}},
    )
    async def readyz(request: Request, detail: bool = False) -> JSONResponse:
        runtime = getattr(request.app.state, "runtime", None)
        if runtime is None:
            return JSONResponse({"status": "starting", "checks": {}}, status_code=503)
        ready, body = await runtime.readiness(detail)
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get(
        "/metrics",
        tags=["ops"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
    )
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def with_deadline(app: FastAPI, seconds: float) -> None:
    """Bound every database operation a request makes (pymongo's client-side timeout)."""

    @app.middleware("http")
    async def deadline(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        with pymongo.timeout(seconds):
            return await call_next(request)


def problem(status: int, title: str, detail: object, **extra: object) -> JSONResponse:
    return JSONResponse({"error": title, "detail": detail, **extra}, status_code=status)


def add_error_handlers(app: FastAPI) -> None:
    """Every refusal is a JSON body that says why; never a stack trace."""

    @app.exception_handler(RuleViolation)
    async def rule_violation(_: Request, exc: RuleViolation) -> JSONResponse:
        return problem(409, "rule_violation", exc.reason, rule=exc.rule)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return problem(400, "invalid_request", errors)

    async def failed(_: Request, exc: Exception) -> JSONResponse:
        if is_transient(exc):
            log.warning("dependency unavailable: %s: %s", type(exc).__name__, exc)
            return problem(503, "unavailable", "a service we depend on did not answer; retry")
        log.error("request failed", exc_info=exc)
        return problem(500, "internal_error", "the server could not complete the request")

    # Named classes are answered where they are raised; the catch-all `Exception` handler
    # also answers, but Starlette re-raises to the server afterwards, which logs a trace.
    for dependency_error in (PyMongoError, KafkaError, Unavailable, TimeoutError):
        app.add_exception_handler(dependency_error, failed)
    app.add_exception_handler(Exception, failed)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "The request body or parameters are malformed"},
    404: {"description": "No such resource"},
}
