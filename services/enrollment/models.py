"""Request and response bodies of the enrollment API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from hocvuso.domain.events import Category


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full_name: str = Field(
        max_length=1000,
        description="2 to 200 letters (with their marks), spaces and .,'-() after trimming",
    )
    birth_year: int = Field(strict=True, description="1900 to this year; adults are 18+")
    category: Category
    commune_code: str = Field(description="Official commune code, e.g. 21025 (Phường Cẩm Thành)")
    unit_code: str | None = Field(default=None, description="Required for cbccvc")
    village: str | None = Field(default=None, max_length=200)
    community_tech_team: bool = False
    assisted_by: str | None = Field(
        default=None,
        max_length=200,
        description="The account of the community-tech-team member who helped, if any",
    )


class Registered(BaseModel):
    learner_id: str
    course_version: str


class LessonProgress(BaseModel):
    model_config = ConfigDict(extra="forbid")
    percent: int = Field(ge=0, le=100, strict=True)


TopicNumber = Annotated[int, Field(ge=1, le=5, strict=True)]


class AttemptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: TopicNumber | Literal["final"] = Field(description="A topic number 1..5, or 'final'")


class PublicQuestion(BaseModel):
    id: str
    text: str
    choices: list[str]


class AttemptCreated(BaseModel):
    attempt_id: str
    topic: int | Literal["final"]
    course_version: str
    questions: list[PublicQuestion]
    started_at: datetime
    closes_at: datetime | None = Field(
        description="Answers are taken until then; null: the attempt never expires"
    )


class Answers(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, int] = Field(description="question id → index of the chosen answer (0..3)")


class AttemptResult(BaseModel):
    correct: int
    total: int
    passed: bool


class AttemptView(BaseModel):
    attempt_id: str
    learner_id: str
    topic: int | Literal["final"]
    status: Literal["open", "expired", "submitted", "graded", "rejected"] = Field(
        description="`expired`: left open past `closes_at`; it still counts as an attempt"
    )
    questions: list[PublicQuestion]
    started_at: datetime
    closes_at: datetime | None
    result: AttemptResult | None = None
    reason: str | None = None


def pool_of(topic: int | str) -> str:
    return str(topic)


def topic_of(pool: str) -> int | Literal["final"]:
    if pool.isdigit():
        return int(pool)
    if pool == "final":
        return "final"
    raise ValueError(f"not a question pool: {pool!r}")


class Move(BaseModel):
    """Where the learner belongs from now on; fields left out stay as they are (a new
    commune without a village clears the village: it belonged to the old commune)."""

    model_config = ConfigDict(extra="forbid")
    commune_code: str | None = Field(None, max_length=64)
    village: str | None = Field(None, max_length=64)
    unit_code: str | None = Field(None, max_length=64)


class Placement(BaseModel):
    learner_id: str
    commune_code: str
    village: str | None
    unit_code: str | None
    unit_confirmed: bool = Field(
        description="false: staff who named the unit themselves, until its manager confirms"
    )
