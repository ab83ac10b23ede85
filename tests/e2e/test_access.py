"""Who may call what, against the running stack: every route of every service, called by
nobody and by each role in and out of scope. One table; a route missing from it fails."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from hocvuso.devstack import SERVICES, Stack
from tests.e2e.access_world import (
    CALLERS,
    COMMUNE,
    COMMUNE_KEEPERS,
    COMMUNE_LISTS,
    OWN_ONLY,
    PROVINCE_ONLY,
    PUBLIC,
    READ,
    STAFF_CSV,
    TEAM_READERS,
    UNIT,
    UNIT_KEEPERS,
    UNIT_LISTS,
    World,
)

Row = tuple[str, str, str, Callable[[World], tuple[str, object]], tuple[int | None, ...], int]
# (service, method, route as the OpenAPI names it, the concrete path and body, expected, success)
ROWS: list[Row] = [
    ("enrollment", "GET", "/v1/course", lambda w: ("/v1/course", None), PUBLIC, 200),
    (
        "enrollment",
        "POST",
        "/v1/learners",
        lambda w: (
            "/v1/learners",
            {
                "full_name": "Ai Đó",
                "birth_year": 1990,
                "category": "citizen",
                "commune_code": COMMUNE,
            },
        ),
        (401, 200, 200, 403, 403, 403, 403, 403, 403),  # each learner: their own, again
        200,
    ),
    (
        "enrollment",
        "GET",
        "/v1/me",
        lambda w: ("/v1/me", None),
        (401, 200, 200, 404, 404, 404, 404, 404, 404),
        200,
    ),
    (
        "enrollment",
        "GET",
        "/v1/learners/{learner_id}/progress",
        lambda w: (f"/v1/learners/{w.learner}/progress", None),
        READ,
        200,
    ),
    (
        "enrollment",
        "POST",
        "/v1/learners/{learner_id}/lessons/{lesson_id}/progress",
        lambda w: (f"/v1/learners/{w.learner}/lessons/t1-l1/progress", {"percent": 40}),
        OWN_ONLY,
        200,
    ),
    (
        "enrollment",
        "POST",
        "/v1/learners/{learner_id}/attempts",
        lambda w: (f"/v1/learners/{w.learner}/attempts", {"topic": 2}),
        OWN_ONLY,
        201,
    ),
    (
        "enrollment",
        "POST",
        "/v1/attempts/{attempt_id}/answers",
        lambda w: (f"/v1/attempts/{w.attempt}/answers", {"answers": w.answers}),
        OWN_ONLY,
        202,
    ),
    (
        "enrollment",
        "GET",
        "/v1/attempts/{attempt_id}",
        lambda w: (f"/v1/attempts/{w.attempt}", None),
        READ,
        200,
    ),
    (
        "enrollment",
        "PATCH",
        "/v1/learners/{learner_id}",
        lambda w: (f"/v1/learners/{w.learner}", {"commune_code": COMMUNE}),  # where they are
        OWN_ONLY,
        200,
    ),
    (
        "enrollment",
        "POST",
        "/v1/units/{code}/staff",
        lambda w: (f"/v1/units/{UNIT}/staff", STAFF_CSV),
        UNIT_KEEPERS,
        200,
    ),
    (
        "enrollment",
        "POST",
        "/v1/units/{code}/staff/{account}/confirmation",
        lambda w: (f"/v1/units/{UNIT}/staff/{w.account}/confirmation", None),
        UNIT_KEEPERS,
        200,
    ),
    ("enrollment", "GET", "/v1/communes", lambda w: ("/v1/communes", None), PUBLIC, 200),
    (
        "enrollment",
        "GET",
        "/v1/communes/{code}",
        lambda w: (f"/v1/communes/{COMMUNE}", None),
        PUBLIC,
        200,
    ),
    (
        "enrollment",
        "PUT",
        "/v1/communes/{code}",
        lambda w: (f"/v1/communes/{COMMUNE}", w.commune),
        PROVINCE_ONLY,
        200,
    ),
    (
        "enrollment",
        "PATCH",
        "/v1/communes/{code}",
        lambda w: (f"/v1/communes/{COMMUNE}", {"plan_number": "KH-01/2025"}),
        COMMUNE_KEEPERS,
        200,
    ),
    (
        "enrollment",
        "GET",
        "/v1/communes/{code}/villages",
        lambda w: (f"/v1/communes/{COMMUNE}/villages", None),
        PUBLIC,
        200,
    ),
    (
        "enrollment",
        "PUT",
        "/v1/communes/{code}/villages/{village}",
        lambda w: (f"/v1/communes/{COMMUNE}/villages/to-dan-pho-9", {"name": "Tổ dân phố 9"}),
        COMMUNE_KEEPERS,
        200,
    ),
    ("enrollment", "GET", "/v1/units", lambda w: ("/v1/units", None), PUBLIC, 200),
    ("enrollment", "GET", "/v1/units/{code}", lambda w: (f"/v1/units/{UNIT}", None), PUBLIC, 200),
    (
        "enrollment",
        "PUT",
        "/v1/units/{code}",
        lambda w: (
            "/v1/units/phong-thu-nghiem",
            {"name": "Phòng Thử nghiệm", "group": "phong", "parent": UNIT},
        ),
        PROVINCE_ONLY,
        200,
    ),
    (
        "enrollment",
        "PATCH",
        "/v1/units/{code}",
        lambda w: (f"/v1/units/{UNIT}", {"headcount": 48}),
        UNIT_KEEPERS,
        200,
    ),
    (
        "enrollment",
        "GET",
        "/v1/units/{code}/unfinished",
        lambda w: (f"/v1/units/{UNIT}/unfinished", None),
        UNIT_LISTS,
        200,
    ),
    (
        "enrollment",
        "GET",
        "/v1/units/{code}/finished",
        lambda w: (f"/v1/units/{UNIT}/finished", None),
        UNIT_LISTS,
        200,
    ),
    (
        "enrollment",
        "GET",
        "/v1/communes/{code}/unfinished",
        lambda w: (f"/v1/communes/{COMMUNE}/unfinished", None),
        COMMUNE_LISTS,
        200,
    ),
    (
        "enrollment",
        "GET",
        "/v1/communes/{code}/finished",
        lambda w: (f"/v1/communes/{COMMUNE}/finished", None),
        COMMUNE_LISTS,
        200,
    ),
    ("stats", "GET", "/v1/stats/province", lambda w: ("/v1/stats/province", None), PUBLIC, 200),
    (
        "stats",
        "GET",
        "/v1/stats/communes/{code}",
        lambda w: (f"/v1/stats/communes/{COMMUNE}", None),
        PUBLIC,
        200,
    ),
    (
        "stats",
        "GET",
        "/v1/stats/communes/{code}/villages/{village}",
        lambda w: (f"/v1/stats/communes/{COMMUNE}/villages/thon-1", None),
        PUBLIC,
        200,
    ),
    (
        "stats",
        "GET",
        "/v1/stats/units/{code}",
        lambda w: (f"/v1/stats/units/{UNIT}", None),
        PUBLIC,
        200,
    ),
    (
        "stats",
        "GET",
        "/v1/stats/province/summary",
        lambda w: ("/v1/stats/province/summary", None),
        PUBLIC,
        200,
    ),
    (
        "stats",
        "GET",
        "/v1/rankings/communes",
        lambda w: ("/v1/rankings/communes?by=participation", None),
        PUBLIC,
        200,
    ),
    ("stats", "GET", "/v1/rankings/units", lambda w: ("/v1/rankings/units", None), PUBLIC, 200),
    ("stats", "GET", "/v1/targets", lambda w: ("/v1/targets", None), PUBLIC, 200),
    (
        "stats",
        "GET",
        "/v1/stats/teams/{account}",
        lambda w: (f"/v1/stats/teams/{w.account}", None),
        TEAM_READERS,
        200,
    ),
    ("certs", "GET", "/v1/keys", lambda w: ("/v1/keys", None), PUBLIC, 200),
    (
        "certs",
        "GET",
        "/v1/certificates/{certificate_id}",
        lambda w: (f"/v1/certificates/{uuid.uuid4()}", None),
        (404,) * len(CALLERS),
        404,
    ),
    (
        "certs",
        "POST",
        "/v1/certificates/verify",
        lambda w: ("/v1/certificates/verify", {"token": "not-a-certificate"}),
        (422,) * len(CALLERS),
        422,
    ),
]
for _service in SERVICES:
    for _route in ("/healthz", "/readyz", "/metrics"):
        ROWS.append((_service, "GET", _route, lambda w, r=_route: (r, None), PUBLIC, 200))


@pytest.fixture(scope="module")
def world(stack: Stack) -> World:
    return World(stack)


def test_the_table_names_every_route_of_every_service(world: World) -> None:
    served = set()
    for service in SERVICES:
        document = httpx.get(world.urls[service] + "/openapi.json", timeout=10).json()
        served |= {
            (service, method.upper(), path)
            for path, operations in document["paths"].items()
            for method in operations
        }
    assert served == {(service, method, route) for service, method, route, *_ in ROWS}


@pytest.mark.parametrize(
    ("service", "method", "route", "request_of", "expected", "success"),
    ROWS,
    ids=[f"{r[1]} {r[0]}{r[2]}" for r in ROWS],
)
def test_each_caller_gets_what_their_role_and_scope_allow(
    world: World,
    service: str,
    method: str,
    route: str,
    request_of: Callable[[World], tuple[str, object]],
    expected: tuple[int | None, ...],
    success: int,
) -> None:
    got, wanted = {}, {}
    for caller, status in zip(CALLERS, expected, strict=True):
        path, body = request_of(world)
        answer = world.call(caller, service, method, path, body)
        got[caller], wanted[caller] = answer.status_code, status or success
        if answer.status_code in (401, 403):
            assert answer.json()["error"] in ("unauthenticated", "forbidden"), answer.text
    assert got == wanted
