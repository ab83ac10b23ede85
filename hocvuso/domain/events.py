"""Every event hocvuso publishes: a frozen payload, a versioned type name and its topic.

Plain dataclasses, so the core speaks in events without a serialisation library;
hocvuso.events encodes and decodes them.

Within a major version only additive, optional fields may be added; a breaking change is a
new type name (…v2) on a new topic. The JSON Schemas under schemas/events/ are the
committed contract, and tests/contract fails when a payload drifts from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar, Literal

Category = Literal["cbccvc", "hssv", "citizen"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    type_name: ClassVar[str]
    topic: ClassVar[str]
    learner_id: str

    @property
    def key(self) -> str:
        """Kafka key: the learner, so all of one learner's events stay in order."""
        return self.learner_id

    def identity(self) -> tuple[str, ...]:
        """What makes two publications the same fact; empty when every one is new."""
        return ()


@dataclass(frozen=True, kw_only=True, slots=True)
class LearnerRegistered(Event):
    type_name = "vn.hocvuso.enrollment.learner.registered.v1"
    topic = "hocvuso.learners.v1"
    full_name: str
    category: Category
    commune_code: str
    unit_code: str | None = None
    village: str | None = None
    community_tech_team: bool = False
    course_version: str
    registered_at: datetime
    # Added later, so absent from earlier events: None means not recorded, never zero.
    birth_year: int | None = None
    assisted_by: str | None = None  # the community-tech-team member's account who helped
    # False: staff who named their unit themselves, until its manager confirms them.
    # None (older events): confirmed.
    unit_confirmed: bool | None = None
    registered_by: str | None = None  # the manager's account, for a registration in bulk

    def identity(self) -> tuple[str, ...]:
        return (self.learner_id,)


@dataclass(frozen=True, kw_only=True, slots=True)
class LearnerPlaced(Event):
    """Where the learner belongs from now on: after a move of commune, village or unit, or
    once their unit's manager confirms them. `placement` counts a learner's placements
    (registration: 0), so a consumer keeps the latest whatever arrives twice."""

    type_name = "vn.hocvuso.enrollment.learner.placed.v1"
    topic = "hocvuso.learners.v1"
    placement: int
    commune_code: str
    village: str | None = None
    unit_code: str | None = None
    unit_confirmed: bool
    reason: Literal["moved", "unit_confirmed"]
    placed_by: str  # the account that asked: the learner, or the unit's manager
    placed_at: datetime

    def identity(self) -> tuple[str, ...]:
        return (self.learner_id, str(self.placement))


@dataclass(frozen=True, kw_only=True, slots=True)
class LearnerStarted(Event):
    """The learner's first step in the course (a lesson or an attempt): once per learner
    and course version, on the learners' topic, so counting learns who started without
    reading every lesson report."""

    type_name = "vn.hocvuso.enrollment.learner.started.v1"
    topic = "hocvuso.learners.v1"
    course_version: str
    started_at: datetime

    def identity(self) -> tuple[str, ...]:
        return (self.learner_id, self.course_version)


@dataclass(frozen=True, kw_only=True, slots=True)
class LessonProgressed(Event):
    type_name = "vn.hocvuso.enrollment.lesson.progressed.v1"
    topic = "hocvuso.progress.v1"
    course_version: str
    lesson_id: str
    percent: int
    reported_at: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class AttemptStarted(Event):
    type_name = "vn.hocvuso.enrollment.attempt.started.v1"
    topic = "hocvuso.attempts.v1"
    attempt_id: str
    course_version: str
    pool: str
    question_ids: list[str]
    started_at: datetime

    def identity(self) -> tuple[str, ...]:
        return (self.attempt_id,)


@dataclass(frozen=True, kw_only=True, slots=True)
class AttemptSubmitted(Event):
    type_name = "vn.hocvuso.enrollment.attempt.submitted.v1"
    topic = "hocvuso.attempts.v1"
    attempt_id: str
    answers: dict[str, int]
    submitted_at: datetime
    # The attempt's pool and drawn questions, so that grading can score a submission
    # whatever it remembers of the start (absent from events written before they were).
    pool: str | None = None
    question_ids: list[str] | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class AttemptGraded(Event):
    type_name = "vn.hocvuso.grading.attempt.graded.v1"
    topic = "hocvuso.grades.v1"
    attempt_id: str
    course_version: str
    pool: str
    correct: int
    total: int
    passed: bool
    graded_at: datetime

    def identity(self) -> tuple[str, ...]:
        return (self.attempt_id,)


@dataclass(frozen=True, kw_only=True, slots=True)
class AttemptRejected(Event):
    type_name = "vn.hocvuso.grading.attempt.rejected.v1"
    topic = "hocvuso.grades.v1"
    attempt_id: str
    reason: str
    rejected_at: datetime

    def identity(self) -> tuple[str, ...]:
        return (self.attempt_id,)


@dataclass(frozen=True, kw_only=True, slots=True)
class TopicCompleted(Event):
    type_name = "vn.hocvuso.grading.topic.completed.v1"
    topic = "hocvuso.grades.v1"
    course_version: str
    topic_number: int
    completed_at: datetime

    def identity(self) -> tuple[str, ...]:
        return (self.learner_id, self.course_version, str(self.topic_number))


@dataclass(frozen=True, kw_only=True, slots=True)
class CertificateIssued(Event):
    type_name = "vn.hocvuso.certs.certificate.issued.v1"
    topic = "hocvuso.certificates.v1"
    certificate_id: str
    course_version: str
    full_name: str | None
    exam_attempt_id: str
    exam_correct: int
    exam_total: int
    issued_at: datetime

    def identity(self) -> tuple[str, ...]:
        return (self.certificate_id,)


@dataclass(frozen=True, kw_only=True, slots=True)
class CertificateRevoked(Event):
    """A certificate withdrawn (issued in error, obtained by fraud …): it no longer counts,
    and verification answers `revoked` with the date and reason. A certificate is revoked
    for good: its issued event, read again, does not bring it back."""

    type_name = "vn.hocvuso.certs.certificate.revoked.v1"
    topic = "hocvuso.certificates.v1"
    certificate_id: str
    course_version: str
    reason: str
    revoked_by: str  # the account that revoked it
    revoked_at: datetime

    def identity(self) -> tuple[str, ...]:
        return (self.certificate_id, "revoked")


MASTER_DATA_TOPIC = "hocvuso.masterdata.v1"


@dataclass(frozen=True, kw_only=True, slots=True)
class MasterDataEvent:
    """A commune, village or unit as it stands after a change: the whole record, so the
    latest event per key is the master data, and the log says what it was at any moment.
    Unknown figures are None, never zero."""

    type_name: ClassVar[str]
    topic: ClassVar[str] = MASTER_DATA_TOPIC
    changed_by: str  # the account that made the change; "seed" for the packaged data
    changed_at: datetime

    @property
    def key(self) -> str:
        raise NotImplementedError

    def identity(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True, kw_only=True, slots=True)
class CommuneRecorded(MasterDataEvent):
    type_name = "vn.hocvuso.masterdata.commune.recorded.v1"
    official_code: str
    name: str
    kind: str  # xa, phuong or dac_khu
    population: int | None = None
    adult_population: int | None = None  # residents 18 and over
    students: int | None = None
    plan_number: str | None = None  # the commune's campaign plan (letter 002, Phụ lục 3)
    launch_date: date | None = None  # its launch ceremony

    @property
    def key(self) -> str:
        return f"commune:{self.official_code}"


@dataclass(frozen=True, kw_only=True, slots=True)
class VillageRecorded(MasterDataEvent):
    type_name = "vn.hocvuso.masterdata.village.recorded.v1"
    commune_code: str
    code: str
    name: str
    population: int | None = None
    adult_population: int | None = None
    synthetic: bool = False  # made up for a demo: no public source lists villages
    # The commune's target for the village (letter 004): this % of its adults taking part
    # by the end of this day.
    target_percent: int | None = None
    target_deadline: date | None = None

    @property
    def key(self) -> str:
        return f"village:{self.commune_code}/{self.code}"


@dataclass(frozen=True, kw_only=True, slots=True)
class UnitRecorded(MasterDataEvent):
    type_name = "vn.hocvuso.masterdata.unit.recorded.v1"
    code: str
    name: str
    group: str
    parent: str | None = None
    headcount: int | None = None  # the unit's own staff, sub-units not included
    commune_code: str | None = None  # set for a commune's people's committee

    @property
    def key(self) -> str:
        return f"unit:{self.code}"


MASTER_DATA_TYPES: dict[str, type[MasterDataEvent]] = {
    cls.type_name: cls for cls in (CommuneRecorded, VillageRecorded, UnitRecorded)
}
AnyEvent = Event | MasterDataEvent

EVENT_TYPES: dict[str, type[Event]] = {
    cls.type_name: cls
    for cls in (
        LearnerRegistered,
        LearnerPlaced,
        LearnerStarted,
        LessonProgressed,
        AttemptStarted,
        AttemptSubmitted,
        AttemptGraded,
        AttemptRejected,
        TopicCompleted,
        CertificateIssued,
        CertificateRevoked,
    )
}

DEAD_LETTER_TOPIC = "hocvuso.deadletter.v1"
TOPICS: tuple[str, ...] = (
    *dict.fromkeys(cls.topic for cls in EVENT_TYPES.values()),
    MASTER_DATA_TOPIC,
    DEAD_LETTER_TOPIC,
)
# One partition keeps master data in one order: a commune before its villages, a unit
# before the units under it.
TOPIC_PARTITIONS: dict[str, int] = {MASTER_DATA_TOPIC: 1}
