"""Steady registrations from a background thread, each answer timed: what a portal sees.

Each registration is a new account's and carries its own Idempotency-Key, as a portal's
form would: a request
that failed or got no answer is retried with the same key afterwards, so every learner
ends up registered exactly once and the counts can be checked exactly.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx

from hocvuso.dev_identity import DevIdentity


@dataclass
class Answer:
    key: str
    status: int  # 0: no answer at all (timeout or refused connection)
    seconds: float


@dataclass
class Traffic:
    base_url: str
    commune: str
    identity: DevIdentity  # each registration is a new account's, with its own token
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Traffic:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            while not self._stop.is_set():
                key = uuid.uuid4().hex
                started = time.monotonic()
                status = self._register(client, key)
                self.answers.append(Answer(key, status, time.monotonic() - started))
                time.sleep(0.05)

    def _register(self, client: httpx.Client, key: str) -> int:
        body = {
            "full_name": "Lưu Văn Gió",
            "birth_year": 1990,
            "category": "citizen",
            "commune_code": self.commune,
        }
        token = self.identity.token("learner", f"traffic-{key}")
        headers = {"Idempotency-Key": key, "authorization": f"Bearer {token}"}
        try:
            return client.post("/v1/learners", json=body, headers=headers).status_code
        except httpx.HTTPError:
            return 0

    def accepted(self) -> int:
        return sum(1 for a in self.answers if a.status == 201)

    def retry_the_failed(self) -> int:
        """Send every request that did not get a 201 again, with its key, as a client
        would; each must now succeed (200 if the first try was stored after all)."""
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            for answer in self.answers:
                if answer.status != 201:
                    retried = self._register(client, answer.key)
                    assert retried in (200, 201), f"retry of {answer.key}: {retried}"
        return len(self.answers)
