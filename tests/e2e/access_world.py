"""The callers of the access table (a token for each role, in and out of scope) and the
learner and attempt the table's routes are called on."""

from __future__ import annotations

import uuid

import httpx

from hocvuso.devstack import SERVICES, Stack

COMMUNE, ELSEWHERE = "21025", "21028"
UNIT, OTHER_UNIT = "so-noi-vu", "so-tai-chinh"
CALLERS = (
    "nobody",
    "the learner",
    "another learner",
    "unit manager",
    "unit manager elsewhere",
    "commune manager",
    "commune manager elsewhere",
    "province admin",
    "auditor",
)
# Expected status per caller, in the order of CALLERS.
PUBLIC = (200,) * len(CALLERS)
READ = (401, 200, 403, 200, 403, 200, 403, 200, 200)
OWN_ONLY = (401, None, 403, 403, 403, 403, 403, 403, 403)  # None: the route's success
COMMUNE_KEEPERS = (401, 403, 403, 403, 403, 200, 403, 200, 403)
UNIT_KEEPERS = (401, 403, 403, 200, 403, 403, 403, 200, 403)
PROVINCE_ONLY = (401, 403, 403, 403, 403, 403, 403, 200, 403)
TEAM_READERS = (401, None, 403, 403, 403, 403, 403, 200, 200)  # the member, province, audit
UNIT_LISTS = (401, 403, 403, 200, 403, 403, 403, 200, 200)  # names: the unit's, the province
COMMUNE_LISTS = (401, 403, 403, 403, 403, 200, 403, 200, 200)
STAFF_CSV = (
    "account,name,birth_year,unit,category,commune,village\n"
    f"access-staff-{uuid.uuid4().hex[:8]},Lý Văn Bảy,1979,,cbccvc,{COMMUNE},\n"
).encode()


class World:
    """A learner with an open attempt, and a token for each caller of the table."""

    def __init__(self, stack: Stack) -> None:
        identity = stack.identity
        self.urls = {service: stack.url(service) for service in SERVICES}
        self.account = f"access-{uuid.uuid4().hex[:8]}"
        self.tokens: dict[str, str | None] = {
            "nobody": None,
            "the learner": identity.token("learner", self.account),
            "another learner": identity.token("learner", f"access-{uuid.uuid4().hex[:8]}"),
            "unit manager": identity.token("unit_manager", "m-1", UNIT),
            "unit manager elsewhere": identity.token("unit_manager", "m-2", OTHER_UNIT),
            "commune manager": identity.token("commune_manager", "m-3", COMMUNE),
            "commune manager elsewhere": identity.token("commune_manager", "m-4", ELSEWHERE),
            "province admin": identity.token("province_admin", "admin-1"),
            "auditor": identity.token("auditor", "audit-1"),
        }
        body = {
            "full_name": "Đinh Văn Mười",
            "birth_year": 1990,
            "category": "cbccvc",
            "commune_code": COMMUNE,
        }
        learner = self.call(
            "the learner", "enrollment", "POST", "/v1/learners", {**body, "unit_code": UNIT}
        )
        assert learner.status_code == 201, learner.text
        self.learner = learner.json()["learner_id"]
        other = {
            "full_name": "Hà Thị Một",
            "birth_year": 1990,
            "category": "citizen",
            "commune_code": ELSEWHERE,
        }
        assert (
            self.call("another learner", "enrollment", "POST", "/v1/learners", other).status_code
            == 201
        )
        attempt = self.call(
            "the learner",
            "enrollment",
            "POST",
            f"/v1/learners/{self.learner}/attempts",
            {"topic": 1},
        )
        assert attempt.status_code == 201, attempt.text
        self.attempt = attempt.json()["attempt_id"]
        self.answers = {q["id"]: 0 for q in attempt.json()["questions"]}
        # Written back as it is: the table's changes change nothing other tests read.
        commune = httpx.get(f"{self.urls['enrollment']}/v1/communes/{COMMUNE}").json()
        self.commune = {k: commune[k] for k in ("name", "kind", "population", "students")}

    def call(
        self, caller: str, service: str, method: str, path: str, body: object = None
    ) -> httpx.Response:
        token = self.tokens[caller]
        headers = {"authorization": f"Bearer {token}"} if token else {}
        url = self.urls[service] + path
        if isinstance(body, bytes):  # a file: the staff CSV
            headers["content-type"] = "text/csv"
            return httpx.request(method, url, content=body, headers=headers, timeout=10)
        return httpx.request(method, url, json=body, headers=headers, timeout=10)
