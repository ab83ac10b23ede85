"""One learner walks the whole way through the running stack, over HTTP only."""

from __future__ import annotations

import jwt
import pytest
from jwt.algorithms import OKPAlgorithm
from prometheus_client.parser import text_string_to_metric_families

from hocvuso.devstack import Stack
from hocvuso.domain.grading import PENDING_KEPT
from tests.e2e.client import Api, eventually
from tests.e2e.learning import COURSE, answer, register, take

COMMUNE, UNIT = "21025", "so-khoa-hoc-cong-nghe"  # Phường Cẩm Thành; Sở KH&CN


@pytest.fixture(scope="module")
def apis(stack: Stack) -> dict[str, Api]:
    return {
        name: Api(stack.url(name), stack.identity)
        for name in ("enrollment", "grading", "certs", "stats")
    }


def counters(stats: Api) -> dict[str, dict]:
    paths = {
        "province": "/v1/stats/province",
        "commune": f"/v1/stats/communes/{COMMUNE}",
        "unit": f"/v1/stats/units/{UNIT}",
    }
    return {scope: stats.get(path).json() for scope, path in paths.items()}


def test_a_learner_goes_from_registration_to_a_verified_certificate(apis: dict[str, Api]) -> None:
    enrollment, certs, stats = apis["enrollment"], apis["certs"], apis["stats"]
    before = counters(stats)

    registered = enrollment.register(
        {
            "full_name": "Nguyễn Thị Hoa",
            "birth_year": 1988,
            "category": "cbccvc",
            "commune_code": COMMUNE,
            "unit_code": UNIT,
        },
    )
    assert registered.status_code == 201, registered.text
    learner_id = registered.json()["learner_id"]
    # Staff who name their unit themselves count in it once its manager confirms them.
    manager = Api(str(enrollment.http.base_url), token=enrollment.manager_token(UNIT))
    account = enrollment.accounts[learner_id]
    confirmed = manager.post(f"/v1/units/{UNIT}/staff/{account}/confirmation")
    assert confirmed.status_code == 200 and confirmed.json()["unit_confirmed"] is True

    # Topic 1: a failed quiz (3/5) first, then a pass (4/5) — the retake counts.
    for lesson in COURSE.topic(1).lessons:
        assert (
            enrollment.post(
                f"/v1/learners/{learner_id}/lessons/{lesson.id}/progress", {"percent": 100}
            ).status_code
            == 200
        )
    failed = take(enrollment, learner_id, 1, right=3)
    assert failed["result"] == {"correct": 3, "total": 5, "passed": False}
    assert take(enrollment, learner_id, 1, right=4)["result"]["passed"] is True

    for topic in (2, 3, 4, 5):
        for lesson in COURSE.topic(topic).lessons:
            enrollment.post(
                f"/v1/learners/{learner_id}/lessons/{lesson.id}/progress", {"percent": 80}
            )
        assert take(enrollment, learner_id, topic, right=5)["result"]["passed"] is True

    progress = eventually(
        lambda: (
            (p := enrollment.get(f"/v1/learners/{learner_id}/progress").json())["exam_eligible"]
            and p
        )
    )
    assert progress["topics_completed"] == 5

    exam = take(enrollment, learner_id, "final", right=21)
    assert exam["result"] == {"correct": 21, "total": 30, "passed": True}

    progress = eventually(
        lambda: (
            (p := enrollment.get(f"/v1/learners/{learner_id}/progress").json())["certificate_id"]
            and p
        )
    )
    certificate = certs.get(f"/v1/certificates/{progress['certificate_id']}")
    assert certificate.status_code == 200
    body = certificate.json()
    assert learner_id not in certificate.text, "a public certificate shows no learner id"
    assert body["full_name"] == "Nguyễn Thị Hoa"
    assert body["exam"] == {"correct": 21, "total": 30}

    # Anyone shown the certificate can check it with the published key, offline.
    jwk = certs.get("/v1/keys").json()["keys"][0]
    public_key = OKPAlgorithm.from_jwk(jwk)
    claims = jwt.decode(body["token"], public_key, algorithms=["EdDSA"])
    assert claims["jti"] == body["certificate_id"] and claims["name"] == "Nguyễn Thị Hoa"
    assert certs.post("/v1/certificates/verify", {"token": body["token"]}).json()["valid"] is True
    forged = body["token"][:-4] + ("AAAA" if not body["token"].endswith("AAAA") else "BBBB")
    assert certs.post("/v1/certificates/verify", {"token": forged}).status_code == 422

    def counted() -> dict | None:
        now = counters(stats)
        return (
            now if now["commune"]["certificates"] == before["commune"]["certificates"] + 1 else None
        )

    after = eventually(counted)
    for scope in ("province", "commune", "unit"):
        delta = {
            k: after[scope][k] - before[scope][k]
            for k in ("learners", "topics_completed", "certificates")
        }
        assert delta == {"learners": 1, "topics_completed": 5, "certificates": 1}, scope
    assert (
        after["unit"]["learners_by_category"]["cbccvc"]
        == before["unit"]["learners_by_category"]["cbccvc"] + 1
    )


def test_every_service_reports_health_readiness_and_metrics(apis: dict[str, Api]) -> None:
    for name, api in apis.items():
        assert api.get("/healthz").status_code == 200, name
        ready = api.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready", (name, ready.text)
        metrics = api.get("/metrics")
        assert metrics.status_code == 200, name
        consumed = samples(metrics.text, "hocvuso_events_consumed_total")
        assert sum(consumed.values()) > 0, f"{name} reports no event it consumed"
        lag = samples(metrics.text, "hocvuso_consumer_lag")
        assert lag and all(v >= 0 for v in lag.values()), name
    published = samples(apis["enrollment"].get("/metrics").text, "hocvuso_events_published_total")
    registered = "vn.hocvuso.enrollment.learner.registered.v1"
    assert published.get(("enrollment", registered), 0) >= 1


def samples(text: str, name: str) -> dict[tuple[str, ...], float]:
    """The sample values of one metric, by their label values; HELP and TYPE lines excluded."""
    return {
        tuple(sample.labels.values()): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def test_the_course_outline_never_carries_the_answer_key(apis: dict[str, Api]) -> None:
    outline = apis["enrollment"].get("/v1/course").json()
    assert outline["topics"][0]["title"] == "Kiến thức số"
    assert outline["rules"]["exam_pass_correct"] == 21
    assert "answer" not in str(outline)


def test_every_attempt_open_at_once_is_graded_however_many(apis: dict[str, Api]) -> None:
    """A learner may hold many attempts open at once (three a day per topic under v1's
    rules; any number in a simulation): each one answered is graded — grading remembers
    only a few starts, and a submission carries what it is scored against."""
    enrollment = apis["enrollment"]
    learner_id = register(enrollment, COMMUNE)
    opened = [
        enrollment.post(f"/v1/learners/{learner_id}/attempts", {"topic": 2}).json()
        for _ in range(PENDING_KEPT + 4)
    ]
    assert len({a["attempt_id"] for a in opened}) == len(opened)
    for attempt in opened:  # the oldest first: the starts grading forgot first
        path = f"/v1/attempts/{attempt['attempt_id']}/answers"
        assert enrollment.post(path, {"answers": answer(attempt, 4)}).status_code == 202

    def results() -> list[tuple[str, int]] | None:
        views = [enrollment.get(f"/v1/attempts/{a['attempt_id']}").json() for a in opened]
        if any(v["status"] not in ("graded", "rejected") for v in views):
            return None
        return [(v["status"], v["result"]["correct"] if v["result"] else -1) for v in views]

    assert eventually(results) == [("graded", 4)] * len(opened)
