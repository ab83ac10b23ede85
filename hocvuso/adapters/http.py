"""The HTTP shell every service shares: health, readiness, metrics and error bodies."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pymongo
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pymongo.errors import PyMongoError
from starlette.types import ASGIApp, Receive, Scope, Send

from hocvuso.adapters.auth import TokenVerifier
from hocvuso.adapters.failures import Unavailable, is_transient
from hocvuso.adapters.http_access import PUBLIC, document_refusals, secure
from hocvuso.adapters.problems import ERROR_RESPONSES, problem
from hocvuso.domain.progress import RuleViolation

if TYPE_CHECKING:
    from hocvuso.adapters.runtime import Lifespan

log = logging.getLogger(__name__)
# FastAPI's built-in OpenTelemetry asks the global providers (reading the environment) on
# every request, a thirtieth of enrollment's CPU (measured); our metrics are Prometheus'.
_NO_TELEMETRY = TelemetryConfig(tracing=False, metrics=False, logs=False, operation_spans=False)


def service_app(
    title: str,
    lifespan: Lifespan,
    description: str = "",
    routers: Sequence[APIRouter] = (),
    verifier: TokenVerifier | None = None,
) -> FastAPI:
    """A service's FastAPI app with the shell they all share: error bodies, health,
    readiness and metrics, its routes, and who may call each (`secure`)."""
    app = FastAPI(
        title=title,
        version="1",
        description=description,
        lifespan=lifespan,
        telemetry=_NO_TELEMETRY,
    )
    add_error_handlers(app)
    add_operational_routes(app)
    for router in routers:
        document_refusals(router)
        app.include_router(router)
    secure(app, verifier)
    return app


def add_operational_routes(app: FastAPI) -> None:
    """Health, readiness and metrics, answered from the service's runtime."""

    @app.get(
        "/healthz", tags=["ops"], summary="Liveness: the process answers", dependencies=[PUBLIC]
    )
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["ops"],
        dependencies=[PUBLIC],
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
        dependencies=[PUBLIC],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
    )
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def with_deadline(app: FastAPI, seconds: float) -> None:
    """Bound every database operation a request makes (pymongo's client-side timeout)."""
    app.add_middleware(_Deadline, seconds=seconds)


class _Deadline:
    """A plain ASGI middleware: Starlette's `BaseHTTPMiddleware` runs every request in a
    task group of its own with memory streams, a sixth of enrollment's CPU (measured)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self._app = app
        self._seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        with pymongo.timeout(self._seconds):  # a context variable: this task only
            await self._app(scope, receive, send)


class UnsupportedMediaType(ValueError):
    """A request body sent as another media type than the route reads."""

    def __init__(self, sent: str, wanted: str) -> None:
        super().__init__(f"send the body as {wanted}, not {sent or 'no content type'}")


def bodies_as(wanted: str) -> Any:
    """A dependency refusing a body of another media type (a 415), before it is parsed."""

    async def check(request: Request) -> None:
        if request.method in ("POST", "PUT", "PATCH"):
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            json_kind = wanted == "application/json" and media.endswith("+json")
            if media != wanted and not json_kind:
                raise UnsupportedMediaType(media, wanted)

    return Depends(check)


# For a router whose bodies are JSON:
# `APIRouter(responses=JSON_BODIES, dependencies=[JSON_ONLY])`.
JSON_ONLY = bodies_as("application/json")
JSON_BODIES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    415: {"description": "The body is not sent as JSON"},
}


def add_error_handlers(app: FastAPI) -> None:
    """Every refusal is a JSON body that says why; never a stack trace."""

    @app.exception_handler(UnsupportedMediaType)
    async def unsupported(_: Request, exc: UnsupportedMediaType) -> JSONResponse:
        return problem(415, "unsupported_media_type", str(exc))

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
