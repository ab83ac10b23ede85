"""Steady registrations from a background thread, each answer timed: what a portal sees."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import httpx


@dataclass
class Answer:
    status: int  # 0: no answer at all (timeout or refused connection)
    seconds: float
    learner_id: str | None


@dataclass
class Traffic:
    base_url: str
    commune: str
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
        body = {"full_name": "Lưu Văn Gió", "category": "citizen", "commune_code": self.commune}
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    response = client.post("/v1/learners", json=body)
                    status = response.status_code
                    learner = response.json().get("learner_id") if status == 201 else None
                except httpx.HTTPError:
                    status, learner = 0, None
                self.answers.append(Answer(status, time.monotonic() - started, learner))
                time.sleep(0.05)

    def accepted(self) -> list[str]:
        return [a.learner_id for a in self.answers if a.status == 201 and a.learner_id]
