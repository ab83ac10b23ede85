"""The HTTP shell every service shares: health, readiness, metrics and error bodies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiokafka.errors import KafkaError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pymongo.errors import PyMongoError

from hocvuso.domain.progress import RuleViolation

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


def add_operational_routes(app: FastAPI, readiness: ReadinessCheck) -> None:
    @app.get("/healthz", tags=["ops"], summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["ops"],
        summary="Readiness: broker and database reachable, consumers running",
        responses={503: {"description": "A dependency is not ready"}},
    )
    async def readyz() -> JSONResponse:
        checks = await readiness()
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    @app.get(
        "/metrics",
        tags=["ops"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
    )
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)


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

    @app.exception_handler(KafkaError)
    async def broker_unavailable(_: Request, exc: KafkaError) -> JSONResponse:
        return problem(503, "broker_unavailable", "the event broker did not take the event; retry")

    @app.exception_handler(PyMongoError)
    async def database_unavailable(_: Request, exc: PyMongoError) -> JSONResponse:
        return problem(503, "database_unavailable", "the database did not answer; retry")

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        return problem(500, "internal_error", "the server could not complete the request")


ERROR_RESPONSES: dict[int | str, dict] = {
    400: {"description": "The request body or parameters are malformed"},
    404: {"description": "No such resource"},
}
