"""Refusals of the running stats and certs services (enrollment's are in-process, in
tests/unit/test_enrollment_http.py)."""

from __future__ import annotations

from hocvuso.devstack import Stack
from tests.e2e.client import Api, eventually


def refused(response, status: int, error: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert "Traceback" not in response.text
    return body  # type: ignore[no-any-return]


def test_the_running_enrollment_refuses_like_the_in_process_one(stack: Stack) -> None:
    learner = stack.identity.token("learner", "errors-1")
    enrollment = Api(stack.url("enrollment"), stack.identity, token=learner)
    body = {"full_name": "An", "birth_year": 1990, "category": "citizen", "commune_code": "99999"}
    refused(enrollment.register(body), 422, "unknown_commune")
    refused(enrollment.get("/v1/attempts/nothing"), 404, "not_found")


def test_stats_and_certs_say_404_for_what_does_not_exist(stack: Stack) -> None:
    stats, certs = Api(stack.url("stats")), Api(stack.url("certs"))
    refused(stats.get("/v1/stats/communes/00000"), 404, "not_found")
    refused(stats.get("/v1/stats/units/no-such-unit"), 404, "not_found")
    refused(certs.get("/v1/certificates/no-such-id"), 404, "not_found")
    refused(certs.post("/v1/certificates/verify", {"token": "a.b.c"}), 422, "invalid_certificate")


def test_a_commune_without_published_population_shows_no_data_not_zero(stack: Stack) -> None:
    from hocvuso.reference_data import communes

    unknown = next(c for c in communes() if c.population is None)
    stats, path = Api(stack.url("stats")), f"/v1/stats/communes/{unknown.official_code}"
    before = stats.get(path).json()
    body = {
        "full_name": "Đỗ Văn Ba",
        "birth_year": 1990,
        "category": "citizen",
        "commune_code": unknown.official_code,
    }
    assert Api(stack.url("enrollment"), stack.identity).register(body).status_code == 201
    after = eventually(lambda: (b := stats.get(path).json())["learners"] > before["learners"] and b)
    assert after["learners"] == before["learners"] + 1
    assert "population" in after and after["population"] is None
    assert after["certified_percent"] == 0.0 or after["certificates"] > 0
