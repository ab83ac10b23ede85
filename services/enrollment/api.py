"""Enrollment's HTTP routes: the learner's side of the course."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from hocvuso.adapters.http import ERROR_RESPONSES, problem
from hocvuso.adapters.kafka import Publisher
from hocvuso.adapters.metrics import REJECTED_COMMANDS
from hocvuso.domain import events as ev
from hocvuso.domain import progress as facts
from hocvuso.domain.course import Catalog
from hocvuso.domain.quiz import check_answers, draw_questions
from hocvuso.views import course_outline, progress_summary
from services.enrollment.models import (
    Answers,
    AttemptCreated,
    AttemptRequest,
    AttemptView,
    LessonProgress,
    Registered,
    Registration,
    pool_of,
    topic_of,
)
from services.enrollment.store import EnrollmentStore, LearnerNotFound

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES)
CONFLICT = {409: {"description": "A course rule forbids this now; `detail` says which"}}
UNAVAILABLE = {503: {"description": "The event broker did not accept the event; retry"}}
RETRIED = {200: {"description": "A retry with the same Idempotency-Key: the earlier result"}}
_IDEMPOTENCY_NAMESPACE = uuid.UUID("6f0d8d0e-8f5b-4f7e-9d7c-2b3c1d7e5a90")
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


def _parts(request: Request) -> tuple[EnrollmentStore, Publisher, Catalog]:
    state = request.app.state
    return state.store, state.publisher, state.catalog


def _not_found(what: str, key: str) -> JSONResponse:
    return problem(404, "not_found", f"no {what} {key!r}")


def _refused(rule: facts.RuleViolation) -> JSONResponse:
    REJECTED_COMMANDS.labels("enrollment", rule.rule).inc()
    return problem(409, "rule_violation", rule.reason, rule=rule.rule)


@router.get("/course", summary="Topics and lessons of the course in force (no answer key)")
async def course(request: Request) -> dict:
    return course_outline(request.app.state.catalog.in_force_at(datetime.now(UTC)))


@router.post(
    "/learners",
    status_code=201,
    response_model=Registered,
    summary="Register a learner",
    responses={**RETRIED, 422: {"description": "Unknown commune or unit"}, **UNAVAILABLE},
)
async def register(body: Registration, request: Request, idempotency_key: IdempotencyKey = None):
    store, publisher, catalog = _parts(request)
    learner_id = _new_id("learner", idempotency_key)
    if idempotency_key is not None:
        with contextlib.suppress(LearnerNotFound):
            known = await store.learner(learner_id)
            answer = Registered(
                learner_id=learner_id, course_version=known["progress"]["course_version"]
            )
            return JSONResponse(answer.model_dump(), status_code=200)
    reference = request.app.state.reference
    if body.commune_code not in reference.communes:
        return problem(
            422, "unknown_commune", f"no commune with official code {body.commune_code!r}"
        )
    if body.unit_code is not None and body.unit_code not in reference.units:
        return problem(422, "unknown_unit", f"no unit with code {body.unit_code!r}")
    if body.category == "cbccvc" and body.unit_code is None:
        return problem(422, "unit_required", "public-sector staff (cbccvc) must name their unit")
    now = datetime.now(UTC)
    version = catalog.in_force_at(now).version
    event = ev.LearnerRegistered(
        learner_id=learner_id, course_version=version, registered_at=now, **body.model_dump()
    )
    await publisher.publish(event)
    await store.add_learner(learner_id, {**body.model_dump(), "registered_at": now}, version)
    return Registered(learner_id=learner_id, course_version=version)


@router.get("/learners/{learner_id}/progress", summary="Where the learner stands")
async def learner_progress(learner_id: str, request: Request):
    store, _, catalog = _parts(request)
    try:
        progress = await store.progress(learner_id)
    except LearnerNotFound:
        return _not_found("learner", learner_id)
    return {
        "learner_id": learner_id,
        **progress_summary(progress, catalog[progress.course_version]),
    }


@router.post(
    "/learners/{learner_id}/lessons/{lesson_id}/progress",
    summary="Report how much of a lesson the learner has done",
    responses={**CONFLICT, **UNAVAILABLE},
)
async def lesson_progress(learner_id: str, lesson_id: str, body: LessonProgress, request: Request):
    store, publisher, catalog = _parts(request)
    try:
        progress = await store.progress(learner_id)
    except LearnerNotFound:
        return _not_found("learner", learner_id)
    course = catalog[progress.course_version]
    if course.lesson(lesson_id) is None:
        return _not_found("lesson", lesson_id)
    fact = facts.LessonProgressed(lesson_id, body.percent)
    try:
        facts.apply(progress, fact, course)  # judge before publishing
    except facts.RuleViolation as rule:
        return _refused(rule)
    await publisher.publish(
        ev.LessonProgressed(
            learner_id=learner_id,
            course_version=course.version,
            lesson_id=lesson_id,
            percent=body.percent,
            reported_at=datetime.now(UTC),
        )
    )
    updated = await store.apply_fact(learner_id, fact)
    return {"learner_id": learner_id, **progress_summary(updated, course)}


@router.post(
    "/learners/{learner_id}/attempts",
    status_code=201,
    response_model=AttemptCreated,
    summary="Start a topic quiz or the final exam",
    responses={**RETRIED, **CONFLICT, **UNAVAILABLE},
)
async def start_attempt(
    learner_id: str,
    body: AttemptRequest,
    request: Request,
    idempotency_key: IdempotencyKey = None,
):
    store, publisher, catalog = _parts(request)
    attempt_id = _new_id(f"attempt|{learner_id}", idempotency_key)
    if idempotency_key is not None and (known := await store.attempt(attempt_id)) is not None:
        course = catalog[known["course_version"]]
        questions = [course.questions[q].public() for q in known["question_ids"]]
        answer = AttemptCreated(
            attempt_id=attempt_id,
            topic=topic_of(known["pool"]),
            course_version=course.version,
            questions=questions,
        )
        return JSONResponse(answer.model_dump(), status_code=200)
    try:
        progress = await store.progress(learner_id)
    except LearnerNotFound:
        return _not_found("learner", learner_id)
    course = catalog[progress.course_version]
    pool = pool_of(body.topic)
    try:
        facts.check_can_attempt(progress, course, pool)
    except facts.RuleViolation as rule:
        return _refused(rule)
    question_ids = draw_questions(course, pool, attempt_id)
    now = datetime.now(UTC)
    await publisher.publish(
        ev.AttemptStarted(
            learner_id=learner_id,
            attempt_id=attempt_id,
            course_version=course.version,
            pool=pool,
            question_ids=question_ids,
            started_at=now,
        )
    )
    await store.add_attempt(
        {
            "_id": attempt_id,
            "learner_id": learner_id,
            "course_version": course.version,
            "pool": pool,
            "question_ids": question_ids,
            "status": "open",
            "started_at": now,
        }
    )
    questions = [course.questions[q].public() for q in question_ids]
    return AttemptCreated(
        attempt_id=attempt_id, topic=body.topic, course_version=course.version, questions=questions
    )


@router.post(
    "/attempts/{attempt_id}/answers",
    status_code=202,
    summary="Submit the answers of an attempt for grading",
    responses={**CONFLICT, **UNAVAILABLE},
)
async def submit_answers(attempt_id: str, body: Answers, request: Request):
    store, publisher, _ = _parts(request)
    attempt = await store.attempt(attempt_id)
    if attempt is None:
        return _not_found("attempt", attempt_id)
    if attempt["status"] != "open":
        if attempt.get("answers") == body.answers:
            return {"attempt_id": attempt_id, "status": attempt["status"]}  # a retried submit
        return problem(409, "already_submitted", "this attempt's answers were already submitted")
    try:
        check_answers(attempt["question_ids"], body.answers)
    except facts.RuleViolation as rule:
        return problem(400, "invalid_answers", rule.reason)
    await publisher.publish(
        ev.AttemptSubmitted(
            learner_id=attempt["learner_id"],
            attempt_id=attempt_id,
            answers=body.answers,
            submitted_at=datetime.now(UTC),
        )
    )
    await store.mark_submitted(attempt_id, body.answers)
    return {"attempt_id": attempt_id, "status": "submitted"}


@router.get(
    "/attempts/{attempt_id}",
    response_model=AttemptView,
    summary="An attempt and, once graded, its result",
)
async def get_attempt(attempt_id: str, request: Request):
    store, _, catalog = _parts(request)
    attempt = await store.attempt(attempt_id)
    if attempt is None:
        return _not_found("attempt", attempt_id)
    course = catalog[attempt["course_version"]]
    return AttemptView(
        attempt_id=attempt_id,
        learner_id=attempt["learner_id"],
        topic=topic_of(attempt["pool"]),
        status=attempt["status"],
        questions=[course.questions[q].public() for q in attempt["question_ids"]],
        result=attempt.get("result"),
        reason=attempt.get("reason"),
    )
