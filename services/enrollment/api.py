"""Enrollment's HTTP routes: parse, call the service layer, answer. No course rule here."""

from __future__ import annotations

import hashlib
import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header
from fastapi import Request as HttpRequest
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from hocvuso.adapters.http import JSON_BODIES, JSON_ONLY
from hocvuso.adapters.http_access import PUBLIC, allow
from hocvuso.adapters.metrics import REJECTED_COMMANDS
from hocvuso.adapters.problems import problem
from hocvuso.domain.access import Action, Principal
from hocvuso.domain.attempt_limits import NotNow
from hocvuso.domain.enrollment import Learner, Profile
from hocvuso.domain.progress import RuleViolation
from hocvuso.views import course_outline, progress_summary
from services.enrollment import views
from services.enrollment.models import (
    Answers,
    AttemptCreated,
    AttemptRequest,
    AttemptView,
    LessonProgress,
    Move,
    Placement,
    Registered,
    Registration,
    pool_of,
)
from services.enrollment.service import (
    AttemptNotFound,
    Enrollment,
    IdempotencyConflict,
    LearnerNotFound,
    Request,
    UnitNotFound,
)

router = APIRouter(prefix="/v1", responses=JSON_BODIES, dependencies=[JSON_ONLY])
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "A course rule forbids this now; `detail` says which"}
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "The database did not answer in time; retry"}
}
RETRIED: dict[int | str, dict[str, Any]] = {
    200: {"description": "A retry with the same Idempotency-Key: the earlier result"}
}
_IDEMPOTENCY_NAMESPACE = uuid.UUID("6f0d8d0e-8f5b-4f7e-9d7c-2b3c1d7e5a90")
# Rule codes that mean "what you named does not exist" or "your input is wrong".
_STATUS_OF_RULE = {
    "unknown_commune": 422,
    "unknown_unit": 422,
    "unknown_village": 422,
    "invalid_figure": 422,
    "invalid_code": 422,
    "invalid_kind": 422,
    "unit_cycle": 422,
    "invalid_move": 422,
    "not_unit_staff": 422,
    "unit_not_below": 422,
    "unit_required": 422,
    "unit_not_allowed": 422,
    "invalid_name": 422,
    "invalid_birth_year": 422,
    "unknown_lesson": 404,
    "unknown_attempt": 404,
    "invalid_answers": 400,
}
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Send the same key when retrying, to get the first result, not a second one",
    ),
]


def _new_id(scope: str, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return uuid.uuid4().hex
    return uuid.uuid5(_IDEMPOTENCY_NAMESPACE, f"{scope}|{idempotency_key}").hex


# The caller, proven by their token and allowed the route's action (hocvuso.domain.access).
Registering = Annotated[Principal, allow(Action.REGISTER)]
Reading = Annotated[Principal, allow(Action.READ_LEARNER)]
Studying = Annotated[Principal, allow(Action.STUDY)]
Moving = Annotated[Principal, allow(Action.MOVE)]


def _service(request: HttpRequest) -> Enrollment:
    service: Enrollment = request.app.state.enrollment
    return service


def refusal(rule: RuleViolation) -> JSONResponse:
    """A course rule's refusal, with the status its rule code calls for."""
    REJECTED_COMMANDS.labels("enrollment", rule.rule).inc()
    status = _STATUS_OF_RULE.get(rule.rule, 409)
    if isinstance(rule, NotNow):
        available_at = rule.available_at.isoformat()
        refused = problem(
            409, "rule_violation", rule.reason, rule=rule.rule, available_at=available_at
        )
        refused.headers["Retry-After"] = str(math.ceil(rule.wait.total_seconds()))
        return refused
    if status == 409 and rule.rule != "already_submitted":
        return problem(409, "rule_violation", rule.reason, rule=rule.rule)
    error = "not_found" if status == 404 else rule.rule
    return problem(status, error, rule.reason, rule=rule.rule)


def add_refusals(app: FastAPI) -> None:
    """Enrollment's refusals: a rule's code decides the status; unknown ids are 404."""

    @app.exception_handler(RuleViolation)
    async def refused(_: HttpRequest, exc: RuleViolation) -> JSONResponse:
        return refusal(exc)

    @app.exception_handler(LearnerNotFound)
    @app.exception_handler(AttemptNotFound)
    @app.exception_handler(UnitNotFound)
    async def not_found(_: HttpRequest, exc: LookupError) -> JSONResponse:
        what = {LearnerNotFound: "learner", AttemptNotFound: "attempt"}.get(type(exc), "unit")
        return problem(404, "not_found", f"no {what} {exc.args[0]!r}")

    @app.exception_handler(IdempotencyConflict)
    async def key_reused(_: HttpRequest, exc: IdempotencyConflict) -> JSONResponse:
        detail = "this Idempotency-Key was used before for a different request; use a new key"
        return problem(422, "idempotency_key_reused", detail)


def _request(idempotency_key: str | None, body: BaseModel) -> Request:
    if idempotency_key is None:
        return Request()
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    return Request(idempotency_key, digest)


@router.get(
    "/course",
    summary="Topics and lessons of the course in force (no answer key)",
    dependencies=[PUBLIC],
)
async def course(request: HttpRequest) -> dict[str, object]:
    service = _service(request)
    return course_outline(service.catalog.in_force_at(service.now()))


@router.post(
    "/learners",
    status_code=201,
    response_model=Registered,
    summary="Register the caller as a learner (one learner per account)",
    description=(
        "Registering again answers 200 with the caller's existing learner; what the second "
        "call asked differently is ignored. With an `Idempotency-Key` the caller used before "
        "for a different body, 422."
    ),
    responses={
        200: {"description": "The caller is registered already: their learner"},
        422: {"description": "Unknown commune or unit, or an Idempotency-Key reused"},
        **UNAVAILABLE,
    },
)
async def register(
    body: Registration,
    request: HttpRequest,
    caller: Registering,
    idempotency_key: IdempotencyKey = None,
) -> Registered | JSONResponse:
    profile = Profile(**body.model_dump())
    learner, created = await _service(request).register(
        caller, profile, _request(idempotency_key, body)
    )
    answer = Registered(learner_id=learner.learner_id, course_version=learner.course_version)
    return answer if created else JSONResponse(answer.model_dump(mode="json"), status_code=200)


@router.get(
    "/me",
    summary="The caller's own learner: id and where they stand",
    responses={404: {"description": "The caller has not registered"}},
)
async def me(request: HttpRequest, caller: Reading) -> dict[str, object]:
    service = _service(request)
    learner = await service.own_learner(caller)
    return {
        "learner_id": learner.learner_id,
        **progress_summary(learner, service.course_of(learner)),
    }


@router.get("/learners/{learner_id}/progress", summary="Where the learner stands")
async def learner_progress(
    learner_id: str, request: HttpRequest, caller: Reading
) -> dict[str, object]:
    service = _service(request)
    learner = await service.learner(caller, learner_id)
    return progress_summary(learner, service.course_of(learner))


@router.post(
    "/learners/{learner_id}/lessons/{lesson_id}/progress",
    summary="Report how much of a lesson the learner has done",
    responses={**CONFLICT, **UNAVAILABLE},
)
async def lesson_progress(
    learner_id: str,
    lesson_id: str,
    body: LessonProgress,
    request: HttpRequest,
    caller: Studying,
) -> dict[str, object]:
    service = _service(request)
    learner = await service.report_lesson(caller, learner_id, lesson_id, body.percent)
    return progress_summary(learner, service.course_of(learner))


@router.post(
    "/learners/{learner_id}/attempts",
    status_code=201,
    response_model=AttemptCreated,
    summary="Start a topic quiz or the final exam",
    responses={
        **RETRIED,
        **CONFLICT,
        **UNAVAILABLE,
        422: {"description": "The Idempotency-Key was used for a different attempt"},
    },
)
async def start_attempt(
    learner_id: str,
    body: AttemptRequest,
    request: HttpRequest,
    caller: Studying,
    idempotency_key: IdempotencyKey = None,
) -> AttemptCreated | JSONResponse:
    service = _service(request)
    attempt_id = _new_id(f"attempt|{caller.account}|{learner_id}", idempotency_key)
    course, attempt, created = await service.start_attempt(
        caller, learner_id, pool_of(body.topic), attempt_id
    )
    answer = views.attempt_created(course, attempt)
    return answer if created else JSONResponse(answer.model_dump(mode="json"), status_code=200)


@router.post(
    "/attempts/{attempt_id}/answers",
    status_code=202,
    summary="Submit the answers of an attempt for grading",
    responses={**CONFLICT, **UNAVAILABLE},
)
async def submit_answers(
    attempt_id: str, body: Answers, request: HttpRequest, caller: Studying
) -> dict[str, str]:
    attempt = await _service(request).submit(caller, attempt_id, body.answers)
    return {"attempt_id": attempt_id, "status": attempt.status}


@router.get(
    "/attempts/{attempt_id}",
    response_model=AttemptView,
    summary="An attempt and, once graded, its result",
)
async def get_attempt(attempt_id: str, request: HttpRequest, caller: Reading) -> AttemptView:
    service = _service(request)
    learner, attempt = await service.attempt(caller, attempt_id)
    return views.attempt_view(learner, service.course_of(learner), attempt, service.now())


def placement(learner: Learner) -> Placement:
    profile = learner.profile
    return Placement(
        learner_id=learner.learner_id,
        commune_code=profile.commune_code,
        village=profile.village,
        unit_code=profile.unit_code,
        unit_confirmed=profile.unit_confirmed,
    )


@router.patch(
    "/learners/{learner_id}",
    response_model=Placement,
    summary="Move: the learner's own new commune, village or unit",
    description=(
        "The learner's counts leave the old scopes for the new ones (an event). Staff who "
        "name a new unit themselves wait for its manager's confirmation again."
    ),
    responses={422: {"description": "An unknown commune, village or unit"}, **UNAVAILABLE},
)
async def move(learner_id: str, body: Move, request: HttpRequest, caller: Moving) -> Placement:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("commune_code", "") is None:
        changes.pop("commune_code")  # every learner has a commune: null changes nothing
    learner = await _service(request).move(caller, learner_id, changes)
    return placement(learner)
