"""Demo learners for the local stack, driven through the public HTTP API like a portal would."""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass
from typing import Any, cast

from hocvuso.course_files import packaged_catalog
from hocvuso.dev_identity import DevIdentity
from hocvuso.domain.course import FINAL_POOL, Course

# (name, birth year, category, commune official code, unit code, topics to finish, exam)
DEMO_LEARNERS = [
    ("Nguyễn Văn An", 1985, "cbccvc", "21025", "so-khoa-hoc-cong-nghe", 5, True),
    ("Trần Thị Bình", 1990, "cbccvc", "21025", "so-giao-duc-dao-tao", 5, True),
    ("Lê Minh Châu", 1978, "cbccvc", "21028", "ubnd-21028", 3, False),
    ("Phạm Thu Dung", 1962, "citizen", "21028", None, 2, False),
    ("Hoàng Văn Em", 2007, "hssv", "21172", None, 1, False),
    ("Võ Thị Giang", 1955, "citizen", "21439", None, 0, False),
]


@dataclass
class Client:
    base: str
    token: str  # the learner's own: each demo learner acts for themselves

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"content-type": "application/json", "authorization": f"Bearer {self.token}"}
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=headers
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return cast(dict[str, Any], json.loads(response.read()))  # every answer is an object

    def wait_graded(self, attempt_id: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            attempt = self.call("GET", f"/v1/attempts/{attempt_id}")
            if attempt["status"] in ("graded", "rejected"):
                return attempt
            time.sleep(0.2)
        raise TimeoutError(f"attempt {attempt_id} not graded after {timeout:.0f} s")


def take_attempt(
    client: Client, course: Course, learner_id: str, topic: int | str
) -> dict[str, Any]:
    """Start an attempt and answer every question correctly, as a learner who studied."""
    attempt = client.call("POST", f"/v1/learners/{learner_id}/attempts", {"topic": topic})
    answers = {q["id"]: course.questions[q["id"]].answer for q in attempt["questions"]}
    client.call("POST", f"/v1/attempts/{attempt['attempt_id']}/answers", {"answers": answers})
    return client.wait_graded(attempt["attempt_id"])


def finish_topic(client: Client, course: Course, learner_id: str, topic: int) -> None:
    for lesson in course.topic(topic).lessons:  # type: ignore[union-attr]
        client.call(
            "POST", f"/v1/learners/{learner_id}/lessons/{lesson.id}/progress", {"percent": 100}
        )
    take_attempt(client, course, learner_id, topic)


def wait_eligible(client: Client, learner_id: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.call("GET", f"/v1/learners/{learner_id}/progress")["exam_eligible"]:
            return
        time.sleep(0.2)
    raise TimeoutError(f"learner {learner_id} not eligible for the exam after {timeout:.0f} s")


def load_demo(enrollment_url: str, identity: DevIdentity) -> str:
    catalog = packaged_catalog()
    course = catalog[catalog.versions[-1]]
    certified = 0
    for number, (name, born, category, commune, unit, topics, exam) in enumerate(DEMO_LEARNERS, 1):
        client = Client(enrollment_url, identity.token("learner", f"demo-learner-{number}"))
        body = {
            "full_name": name,
            "birth_year": born,
            "category": category,
            "commune_code": commune,
            "unit_code": unit,
        }
        learner_id = client.call("POST", "/v1/learners", body)["learner_id"]
        for topic in course.topic_numbers[:topics]:
            finish_topic(client, course, learner_id, topic)
        if exam:
            wait_eligible(client, learner_id)
            certified += take_attempt(client, course, learner_id, FINAL_POOL)["result"]["passed"]
    return (
        f"demo data: {len(DEMO_LEARNERS)} learners registered, {certified} took and passed the exam"
    )
