"""A learner's steps through the running stack, over HTTP only, for tests to compose."""

from __future__ import annotations

from hocvuso.course_files import packaged_catalog
from tests.e2e.client import Api, eventually

COURSE = packaged_catalog()["v1"]


def register(enrollment: Api, commune: str, **extra: object) -> str:
    body = {
        "full_name": "Trần Văn Học",
        "birth_year": 1990,
        "category": "citizen",
        "commune_code": commune,
        **extra,
    }
    answer = enrollment.register(body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["learner_id"])


def study(enrollment: Api, learner_id: str, topic: int, percent: int = 100) -> None:
    for lesson in COURSE.topic(topic).lessons:  # type: ignore[union-attr]
        path = f"/v1/learners/{learner_id}/lessons/{lesson.id}/progress"
        answer = enrollment.post(path, {"percent": percent})
        assert answer.status_code == 200, answer.text


def answer(attempt: dict, right: int) -> dict[str, int]:
    """Answer the first `right` questions correctly and the rest wrongly."""
    answers = {}
    for i, question in enumerate(attempt["questions"]):
        key = COURSE.questions[question["id"]].answer
        answers[question["id"]] = key if i < right else (key + 1) % 4
    return answers


def take(enrollment: Api, learner_id: str, topic: int | str, right: int) -> dict:
    """Start an attempt, answer it and wait until it is graded or rejected."""
    started = enrollment.post(f"/v1/learners/{learner_id}/attempts", {"topic": topic})
    assert started.status_code == 201, started.text
    attempt = started.json()
    assert all(set(q) == {"id", "text", "choices"} for q in attempt["questions"])
    submitted = enrollment.post(
        f"/v1/attempts/{attempt['attempt_id']}/answers", {"answers": answer(attempt, right)}
    )
    assert submitted.status_code == 202, submitted.text

    def graded() -> dict | None:
        view = enrollment.get(f"/v1/attempts/{attempt['attempt_id']}").json()
        return view if view["status"] in ("graded", "rejected") else None

    return eventually(graded)
