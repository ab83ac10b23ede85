"""A small HTTP client for the tests, with polling for what arrives through Kafka.

An `Api` with an identity acts as each learner it registered: a request whose path names
one of them (or one of their attempts) carries that learner's own token, so tests about
delivery read like a learner's clicks while every route still checks who is calling.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from hocvuso.dev_identity import DevIdentity


class Api:
    def __init__(
        self, base_url: str, identity: DevIdentity | None = None, token: str | None = None
    ) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self.identity = identity
        self.token = token
        self._tokens: dict[str, str] = {}  # learner or attempt id → the learner's token
        self.accounts: dict[str, str] = {}  # learner id → the account it was registered by

    def _identity(self) -> DevIdentity:
        if self.identity is None:
            raise RuntimeError("this client has no identity provider to mint tokens with")
        return self.identity

    def manager_token(self, unit: str) -> str:
        return self._identity().token("unit_manager", f"manager-{unit}", unit)

    def register(self, body: dict[str, Any], **headers: str) -> httpx.Response:
        """Register a new account's learner; later calls on it carry its token."""
        account = f"test-{uuid.uuid4().hex[:12]}"
        token = self._identity().token("learner", account)
        answer = self.http.post(
            "/v1/learners", json=body, headers={"authorization": f"Bearer {token}", **headers}
        )
        if answer.status_code in (200, 201):
            self._tokens[answer.json()["learner_id"]] = token
            self.accounts[answer.json()["learner_id"]] = account
        return answer

    def patch(self, path: str, json: Any = None) -> httpx.Response:
        return self.http.patch(path, json=json, headers=self._headers(path))

    def _headers(self, path: str) -> dict[str, str]:
        token = next((t for part in path.split("/") if (t := self._tokens.get(part))), self.token)
        return {"authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, headers=self._headers(path), **kw)

    def post(self, path: str, json: Any = None) -> httpx.Response:
        answer = self.http.post(path, json=json, headers=self._headers(path))
        started = answer.json().get("attempt_id") if answer.status_code in (200, 201) else None
        token = self._headers(path).get("authorization", "").removeprefix("Bearer ")
        if started and token:
            self._tokens[started] = token
        return answer


def eventually(check: Callable[[], Any], timeout: float = 30, every: float = 0.2) -> Any:
    """Poll until `check` returns something truthy; fail with its last value otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"condition not met after {timeout:.0f} s; last value: {last!r}")
