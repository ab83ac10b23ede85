"""A learner as enrollment keeps them: profile, lessons, attempts and what grading decided.

Commands take the learner and return the learner after it plus the events to publish;
they raise RuleViolation to refuse. Grading's and certs' decisions are recorded as given,
never judged again here: grading owns scores and topic completion, certs owns certificates.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, Protocol

from hocvuso.domain import attempt_limits as limits
from hocvuso.domain import events as ev
from hocvuso.domain.course import Course
from hocvuso.domain.local_time import VIETNAM
from hocvuso.domain.names import clean_name
from hocvuso.domain.progress import RuleViolation, check_attempt_allowed
from hocvuso.domain.quiz import check_answers, draw_questions

Status = Literal["open", "submitted", "graded", "rejected"]
Shown = Status | Literal["expired"]  # open, but past the time it takes answers


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    full_name: str
    category: ev.Category
    commune_code: str
    unit_code: str | None = None
    village: str | None = None
    community_tech_team: bool = False
    birth_year: int | None = None  # required of new registrations; None in older records
    assisted_by: str | None = None
    unit_confirmed: bool = True  # False: staff who named it themselves, until its manager


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    correct: int
    total: int
    passed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    attempt_id: str
    pool: str
    question_ids: tuple[str, ...]
    started_at: datetime
    status: Status = "open"
    answers: Mapping[str, int] | None = None
    result: Result | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Learner:
    learner_id: str
    profile: Profile
    course_version: str
    registered_at: datetime
    lessons: Mapping[str, int] = field(default_factory=dict)
    attempts: Mapping[str, Attempt] = field(default_factory=dict)
    completed_topics: frozenset[int] = frozenset()
    certificate_id: str | None = None
    revoked_certificates: frozenset[str] = frozenset()
    account: str | None = None  # who acts as this learner (the identity provider's `sub`)
    placement: int = 0  # how many times they were placed since registering
    last_active_at: datetime | None = None  # their latest lesson report, start or answers

    def attempts_in(self, pool: str) -> list[Attempt]:
        return [a for a in self.attempts.values() if a.pool == pool]

    def exam_eligible(self, course: Course) -> bool:
        return set(course.topic_numbers) <= self.completed_topics


class Places(Protocol):
    """What registration checks codes against (the live `MasterBook`, or a fixed set)."""

    @property
    def communes(self) -> Collection[str]: ...
    @property
    def units(self) -> Collection[str]: ...
    @property
    def unit_parents(self) -> Mapping[str, str | None]: ...
    @property
    def villages(self) -> Mapping[str, Collection[str]]: ...  # commune → its village codes


@dataclass(frozen=True, slots=True)
class MasterData:
    """A fixed set of places, for tests and tools."""

    communes: Collection[str]
    units: Collection[str]
    unit_parents: Mapping[str, str | None] = field(default_factory=dict)
    villages: Mapping[str, Collection[str]] = field(default_factory=dict)


Decision = tuple[Learner, list[ev.Event]]


# Which categories name a unit: staff must (their agency), students may (their school),
# citizens may not (a citizen attached to a department would change its figures).
UNIT_RULE: Mapping[str, str] = {"cbccvc": "required", "hssv": "optional", "citizen": "none"}
FIRST_BIRTH_YEAR = 1900


def check_profile(profile: Profile, master: Places, now: datetime) -> Profile:
    """The profile as it will be stored (the name cleaned), or `RuleViolation` saying what
    names what does not exist, leaves out what it must, or holds what it may not."""
    name = clean_name(profile.full_name)
    year = now.astimezone(VIETNAM).year
    if profile.birth_year is None or not FIRST_BIRTH_YEAR <= profile.birth_year <= year:
        raise RuleViolation(
            f"birth_year must be a year from {FIRST_BIRTH_YEAR} to {year}", "invalid_birth_year"
        )
    check_place(profile, master)
    return replace(profile, full_name=name)


def check_place(profile: Profile, master: Places) -> None:
    """Where the profile says the learner belongs exists, and fits their category."""
    if profile.commune_code not in master.communes:
        raise RuleViolation(
            f"no commune with official code {profile.commune_code!r}", "unknown_commune"
        )
    if profile.village is not None and profile.village not in master.villages.get(
        profile.commune_code, ()
    ):
        raise RuleViolation(
            f"commune {profile.commune_code} has no village with code {profile.village!r}"
            f" (GET /v1/communes/{profile.commune_code}/villages lists them)",
            "unknown_village",
        )
    unit_rule = UNIT_RULE[profile.category]
    if profile.unit_code is None and unit_rule == "required":
        raise RuleViolation("public-sector staff (cbccvc) must name their unit", "unit_required")
    if profile.unit_code is not None and unit_rule == "none":
        raise RuleViolation(
            f"a {profile.category} learner names no unit; staff (cbccvc) and students (hssv) do",
            "unit_not_allowed",
        )
    if profile.unit_code is not None and profile.unit_code not in master.units:
        raise RuleViolation(f"no unit with code {profile.unit_code!r}", "unknown_unit")


def check_registration(profile: Profile, master: Places, course: Course, now: datetime) -> Profile:
    """`check_profile`, and the course must still take learners."""
    limits.check_course_open(course.rules, course.version, now)
    return check_profile(profile, master, now)


def register(
    learner_id: str,
    profile: Profile,
    master: Places,
    course: Course,
    now: datetime,
    account: str | None = None,
    registered_by: str | None = None,
) -> Decision:
    """`registered_by`: the unit manager registering their staff (whose unit is then
    confirmed); None when the learner registers themselves."""
    profile = check_registration(profile, master, course, now)
    profile = replace(profile, unit_confirmed=_confirmed(profile, registered_by is not None))
    learner = Learner(
        learner_id=learner_id,
        profile=profile,
        course_version=course.version,
        registered_at=now,
        account=account,
    )
    event = ev.LearnerRegistered(
        learner_id=learner_id,
        full_name=profile.full_name,
        category=profile.category,
        commune_code=profile.commune_code,
        unit_code=profile.unit_code,
        village=profile.village,
        community_tech_team=profile.community_tech_team,
        course_version=course.version,
        registered_at=now,
        birth_year=profile.birth_year,
        assisted_by=profile.assisted_by,
        unit_confirmed=profile.unit_confirmed,
        registered_by=registered_by,
    )
    return learner, [event]


def _confirmed(profile: Profile, by_its_manager: bool) -> bool:
    """Staff naming a unit themselves are not its staff until its manager says so; a
    student names a school, which no manager confirms."""
    return by_its_manager or profile.category != "cbccvc" or profile.unit_code is None


PLACE_FIELDS = ("commune_code", "village", "unit_code")


def move(
    learner: Learner,
    changes: Mapping[str, str | None],
    master: Places,
    by: str,
    now: datetime,
) -> Decision:
    """The learner's new commune, village or unit (fields left out stay as they are); their
    counts follow them. A new unit named by the learner waits for its manager again."""
    unknown = set(changes) - set(PLACE_FIELDS)
    if unknown:
        raise RuleViolation(f"a move changes {', '.join(PLACE_FIELDS)} only", "invalid_move")
    profile = learner.profile
    moved = replace(profile, **changes)  # type: ignore[arg-type]
    if "commune_code" in changes and "village" not in changes:
        moved = replace(moved, village=None)  # a village belongs to its commune
    check_place(moved, master)
    if (moved.commune_code, moved.village, moved.unit_code) == (
        profile.commune_code,
        profile.village,
        profile.unit_code,
    ):
        return learner, []
    same_unit = moved.unit_code == profile.unit_code and profile.unit_confirmed
    moved = replace(moved, unit_confirmed=same_unit or _confirmed(moved, by_its_manager=False))
    return _placed(learner, moved, "moved", by, now)


def confirm_unit(learner: Learner, unit_code: str, by: str, now: datetime) -> Decision:
    """The unit's manager confirms that the learner is their staff."""
    profile = learner.profile
    if profile.unit_code != unit_code:
        raise RuleViolation(
            f"this learner names unit {profile.unit_code!r}, not {unit_code!r}", "not_unit_staff"
        )
    if profile.unit_confirmed:
        return learner, []
    return _placed(learner, replace(profile, unit_confirmed=True), "unit_confirmed", by, now)


def _placed(
    learner: Learner,
    profile: Profile,
    reason: Literal["moved", "unit_confirmed"],
    by: str,
    now: datetime,
) -> Decision:
    placement = learner.placement + 1
    event = ev.LearnerPlaced(
        learner_id=learner.learner_id,
        placement=placement,
        commune_code=profile.commune_code,
        village=profile.village,
        unit_code=profile.unit_code,
        unit_confirmed=profile.unit_confirmed,
        reason=reason,
        placed_by=by,
        placed_at=now,
    )
    return replace(learner, profile=profile, placement=placement), [event]


def report_lesson(
    learner: Learner, course: Course, lesson_id: str, percent: int, now: datetime
) -> Decision:
    """Keep the best percent reported; a report that improves nothing announces nothing."""
    if course.lesson(lesson_id) is None:
        raise RuleViolation(f"no lesson {lesson_id!r} in course {course.version}", "unknown_lesson")
    if isinstance(percent, bool) or not 0 <= percent <= 100:
        raise RuleViolation(f"lesson percent must be within 0..100, got {percent}", "percent")
    if lesson_id in learner.lessons and learner.lessons[lesson_id] >= percent:
        return learner, []
    updated = replace(learner, lessons={**learner.lessons, lesson_id: percent}, last_active_at=now)
    event = ev.LessonProgressed(
        learner_id=learner.learner_id,
        course_version=course.version,
        lesson_id=lesson_id,
        percent=percent,
        reported_at=now,
    )
    return updated, [*_first_step(learner, now), event]


def check_can_start(learner: Learner, course: Course, pool: str, now: datetime) -> None:
    done = len(learner.completed_topics & set(course.topic_numbers))
    earlier = learner.attempts_in(pool)
    check_attempt_allowed(course, pool, done, len(earlier))
    limits.check_course_open(course.rules, course.version, now)
    limits.check_start(course.rules, pool, (a.started_at for a in earlier), now)


def start_attempt(
    learner: Learner, course: Course, pool: str, attempt_id: str, now: datetime
) -> Decision:
    """Open an attempt with questions drawn for it; starting it again changes nothing."""
    if attempt_id in learner.attempts:
        return learner, []
    check_can_start(learner, course, pool, now)
    questions = tuple(draw_questions(course, pool, attempt_id))
    attempt = Attempt(attempt_id=attempt_id, pool=pool, question_ids=questions, started_at=now)
    updated = replace(
        learner, attempts={**learner.attempts, attempt_id: attempt}, last_active_at=now
    )
    event = ev.AttemptStarted(
        learner_id=learner.learner_id,
        attempt_id=attempt_id,
        course_version=course.version,
        pool=pool,
        question_ids=list(questions),
        started_at=now,
    )
    return updated, [*_first_step(learner, now), event]


def _first_step(learner: Learner, now: datetime) -> list[ev.Event]:
    """`LearnerStarted`, if this is the learner's first lesson report or attempt."""
    first = not learner.lessons and not learner.attempts
    started = ev.LearnerStarted(
        learner_id=learner.learner_id, course_version=learner.course_version, started_at=now
    )
    return [started] if first else []


def submit_answers(
    learner: Learner, course: Course, attempt_id: str, answers: Mapping[str, int], now: datetime
) -> Decision:
    """Accept the answers of an open attempt, once: the stored answers are the graded ones.

    The same answers sent again (a retried request) are accepted without a new event.
    """
    attempt = _attempt(learner, attempt_id)
    if attempt.status != "open":
        if attempt.answers == dict(answers):
            return learner, []
        raise RuleViolation("this attempt's answers were already submitted", "already_submitted")
    limits.check_open(course.rules, attempt.pool, attempt.started_at, now)
    check_answers(attempt.question_ids, answers)
    # Every question, or one answer at a time would read each question's key off the score.
    missing = [qid for qid in attempt.question_ids if qid not in answers]
    if missing:
        raise RuleViolation(
            f"answer every question of the attempt; unanswered: {', '.join(missing)}",
            "invalid_answers",
        )
    submitted = replace(attempt, status="submitted", answers=dict(answers))
    event = ev.AttemptSubmitted(
        learner_id=learner.learner_id,
        attempt_id=attempt_id,
        answers=dict(answers),
        submitted_at=now,
        pool=attempt.pool,
        question_ids=list(attempt.question_ids),
    )
    return replace(_with_attempt(learner, submitted), last_active_at=now), [event]


def shown_status(attempt: Attempt, course: Course, now: datetime) -> Shown:
    if attempt.status == "open" and limits.is_expired(
        course.rules, attempt.pool, attempt.started_at, now
    ):
        return "expired"
    return attempt.status


def record(learner: Learner, event: ev.Event) -> Learner:
    """Take another service's decision about this learner as given."""
    if isinstance(event, ev.AttemptGraded | ev.AttemptRejected):
        attempt = learner.attempts.get(event.attempt_id)
        if attempt is None:
            return learner  # not one of ours: nothing to show
        if isinstance(event, ev.AttemptGraded):
            result = Result(correct=event.correct, total=event.total, passed=event.passed)
            return _with_attempt(learner, replace(attempt, status="graded", result=result))
        return _with_attempt(learner, replace(attempt, status="rejected", reason=event.reason))
    if isinstance(event, ev.TopicCompleted) and event.course_version == learner.course_version:
        return replace(learner, completed_topics=learner.completed_topics | {event.topic_number})
    if isinstance(event, ev.CertificateIssued) and event.course_version == learner.course_version:
        if event.certificate_id in learner.revoked_certificates:
            return learner  # read again after its revocation: it stays revoked
        return replace(learner, certificate_id=event.certificate_id)
    if isinstance(event, ev.CertificateRevoked):
        revoked = learner.revoked_certificates | {event.certificate_id}
        still = None if learner.certificate_id == event.certificate_id else learner.certificate_id
        return replace(learner, certificate_id=still, revoked_certificates=revoked)
    return learner


def _attempt(learner: Learner, attempt_id: str) -> Attempt:
    attempt = learner.attempts.get(attempt_id)
    if attempt is None:
        raise RuleViolation(f"no attempt {attempt_id!r} for this learner", "unknown_attempt")
    return attempt


def _with_attempt(learner: Learner, attempt: Attempt) -> Learner:
    return replace(learner, attempts={**learner.attempts, attempt.attempt_id: attempt})
