"""Enrollment's decisions in the core: registration, lessons and the attempt lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hocvuso.domain import enrollment as core
from hocvuso.domain import events as ev
from hocvuso.domain.progress import RuleViolation
from tests.unit.course_fixture import tiny_course

COURSE = tiny_course()
NOW = datetime(2025, 11, 3, 8, 45, tzinfo=UTC)
MASTER = core.MasterData(communes={"21025"}, units={"so-y-te"})


def citizen(**changes: object) -> core.Profile:
    fields: dict[str, object] = {
        "full_name": "Võ Văn Một",
        "birth_year": 1980,
        "category": "citizen",
    }
    return core.Profile(**{**fields, "commune_code": "21025", **changes})  # type: ignore[arg-type]


def registered() -> core.Learner:
    learner, _ = core.register("l1", citizen(), MASTER, COURSE, NOW)
    return learner


@pytest.mark.parametrize(
    ("profile", "rule"),
    [
        (citizen(commune_code="99999"), "unknown_commune"),
        (citizen(category="hssv", unit_code="nope"), "unknown_unit"),
        (citizen(category="cbccvc"), "unit_required"),
        (citizen(unit_code="so-y-te"), "unit_not_allowed"),  # a citizen names no unit
        (citizen(birth_year=None), "invalid_birth_year"),
        (citizen(birth_year=1899), "invalid_birth_year"),
        (citizen(birth_year=2026), "invalid_birth_year"),  # after NOW's year (2025)
        (citizen(full_name=" \u200b "), "invalid_name"),
        (citizen(full_name="Võ\u202eVăn"), "invalid_name"),
    ],
)
def test_registration_is_checked_against_master_data(profile: core.Profile, rule: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        core.register("l1", profile, MASTER, COURSE, NOW)
    assert refused.value.rule == rule


def test_registration_announces_the_learner_with_the_course_in_force() -> None:
    student = citizen(category="hssv", unit_code="so-y-te", full_name="  Võ Văn Một ")
    learner, events = core.register("l1", student, MASTER, COURSE, NOW)
    (event,) = events
    assert isinstance(event, ev.LearnerRegistered)
    assert (event.learner_id, event.unit_code, event.course_version) == ("l1", "so-y-te", "t1")
    assert event.registered_at == NOW and learner.registered_at == NOW
    assert event.full_name == learner.profile.full_name == "Võ Văn Một", "stored trimmed"
    assert event.birth_year == 1980


def test_a_lesson_keeps_its_best_percent_and_only_improvements_are_announced() -> None:
    learner, (started, progressed) = core.report_lesson(registered(), COURSE, "t1-l1", 60, NOW)
    assert isinstance(started, ev.LearnerStarted), "the first step of the course is announced"
    assert isinstance(progressed, ev.LessonProgressed) and learner.lessons == {"t1-l1": 60}
    again, events = core.report_lesson(learner, COURSE, "t1-l1", 40, NOW)
    assert again == learner and events == []
    _, events = core.report_lesson(learner, COURSE, "t1-l1", 80, NOW)
    assert [type(e) for e in events] == [ev.LessonProgressed], "started once only"
    with pytest.raises(RuleViolation, match="no lesson") as refused:
        core.report_lesson(learner, COURSE, "t9-l9", 10, NOW)
    assert refused.value.rule == "unknown_lesson"


def test_an_attempt_opens_once_and_accepts_one_set_of_answers() -> None:
    learner, (first, started) = core.start_attempt(registered(), COURSE, "1", "a1", NOW)
    assert isinstance(first, ev.LearnerStarted), "an attempt is a first step too"
    assert isinstance(started, ev.AttemptStarted) and len(started.question_ids) == 5
    assert core.start_attempt(learner, COURSE, "1", "a1", NOW) == (learner, [])

    with pytest.raises(RuleViolation, match="unanswered") as partial:
        core.submit_answers(learner, COURSE, "a1", {started.question_ids[0]: 1}, NOW)
    assert partial.value.rule == "invalid_answers", "no answer oracle, one question at a time"
    answers = dict.fromkeys(started.question_ids, 1)
    learner, (submitted,) = core.submit_answers(learner, COURSE, "a1", answers, NOW)
    assert isinstance(submitted, ev.AttemptSubmitted) and submitted.answers == answers
    # What grading scores it against travels with it: no start needs remembering.
    assert (submitted.pool, submitted.question_ids) == ("1", list(started.question_ids))
    assert learner.attempts["a1"].status == "submitted"
    assert core.submit_answers(learner, COURSE, "a1", answers, NOW) == (learner, []), "a retry"
    with pytest.raises(RuleViolation) as refused:
        core.submit_answers(learner, COURSE, "a1", {**answers, started.question_ids[0]: 2}, NOW)
    assert refused.value.rule == "already_submitted"


def test_answers_outside_the_attempt_are_refused() -> None:
    learner, _ = core.start_attempt(registered(), COURSE, "2", "a2", NOW)
    with pytest.raises(RuleViolation) as refused:
        core.submit_answers(learner, COURSE, "a2", {"zz-q01": 1}, NOW)
    assert refused.value.rule == "invalid_answers"
    with pytest.raises(RuleViolation) as unknown:
        core.submit_answers(learner, COURSE, "nope", {}, NOW)
    assert unknown.value.rule == "unknown_attempt"


def test_the_final_exam_opens_when_grading_has_completed_every_topic() -> None:
    learner = registered()
    with pytest.raises(RuleViolation) as refused:
        core.start_attempt(learner, COURSE, "final", "f1", NOW)
    assert refused.value.rule == "exam_not_eligible"
    for topic in range(1, 6):
        done = ev.TopicCompleted(
            learner_id="l1", course_version="t1", topic_number=topic, completed_at=NOW
        )
        learner = core.record(learner, done)
        learner = core.record(learner, done)  # a redelivery changes nothing
    assert learner.completed_topics == {1, 2, 3, 4, 5}
    opened, events = core.start_attempt(learner, COURSE, "final", "f1", NOW)
    assert isinstance(events[-1], ev.AttemptStarted)
    assert len(opened.attempts["f1"].question_ids) == 30


def test_grading_outcomes_are_recorded_as_given_not_judged_again() -> None:
    learner, _ = core.start_attempt(registered(), COURSE, "3", "a3", NOW)
    # Grading says 2 of 30 passed: enrollment's own rules would disagree, and do not ask.
    graded = ev.AttemptGraded(
        learner_id="l1",
        attempt_id="a3",
        course_version="t1",
        pool="3",
        correct=2,
        total=30,
        passed=True,
        graded_at=NOW,
    )
    learner = core.record(learner, graded)
    attempt = learner.attempts["a3"]
    assert attempt.status == "graded"
    assert attempt.result == core.Result(correct=2, total=30, passed=True)
    rejected = ev.AttemptRejected(learner_id="l1", attempt_id="zz", reason="x", rejected_at=NOW)
    assert core.record(learner, rejected) == learner, "an attempt that is not ours"


def test_attempt_limits_of_a_course_version_are_enforced() -> None:
    course = tiny_course(max_attempts=1)
    learner, _ = core.register("l1", citizen(), MASTER, course, NOW)
    learner, _ = core.start_attempt(learner, course, "1", "a1", NOW)
    with pytest.raises(RuleViolation) as refused:
        core.start_attempt(learner, course, "1", "a2", NOW)
    assert refused.value.rule == "attempt_limit"


PLACES = core.MasterData(
    communes={"21025", "21028"},
    units={"so-y-te", "phong-a"},
    unit_parents={"phong-a": "so-y-te"},
    villages={"21025": {"thon-1"}, "21028": {"thon-9"}},
)


def staff(by_manager: bool = False) -> core.Learner:
    profile = citizen(category="cbccvc", unit_code="phong-a", village="thon-1")
    learner, (event,) = core.register(
        "l1", profile, PLACES, COURSE, NOW, registered_by="m-1" if by_manager else None
    )
    assert isinstance(event, ev.LearnerRegistered)
    assert event.unit_confirmed is by_manager and learner.profile.unit_confirmed is by_manager
    return learner


def test_staff_naming_their_unit_wait_for_its_manager_and_bulk_staff_do_not() -> None:
    staff(by_manager=True)
    waiting = staff()
    confirmed, (event,) = core.confirm_unit(waiting, "phong-a", "m-1", NOW)
    assert isinstance(event, ev.LearnerPlaced) and event.reason == "unit_confirmed"
    assert (event.placement, event.unit_confirmed, event.placed_by) == (1, True, "m-1")
    assert core.confirm_unit(confirmed, "phong-a", "m-1", NOW) == (confirmed, []), "once"
    with pytest.raises(RuleViolation) as other:
        core.confirm_unit(waiting, "so-y-te", "m-2", NOW)
    assert other.value.rule == "not_unit_staff"
    student = citizen(category="hssv", unit_code="so-y-te")
    assert core.register("l2", student, PLACES, COURSE, NOW)[0].profile.unit_confirmed


def test_a_move_is_a_numbered_placement_and_a_new_commune_drops_the_old_village() -> None:
    learner, _ = core.confirm_unit(staff(), "phong-a", "m-1", NOW)
    moved, (event,) = core.move(learner, {"commune_code": "21028"}, PLACES, "l1-acct", NOW)
    assert isinstance(event, ev.LearnerPlaced)
    assert (event.placement, event.commune_code, event.village) == (2, "21028", None)
    assert event.unit_confirmed, "the same unit stays confirmed"
    assert core.move(moved, {"commune_code": "21028"}, PLACES, "l1-acct", NOW) == (moved, [])
    other_unit, (event,) = core.move(moved, {"unit_code": "so-y-te"}, PLACES, "l1-acct", NOW)
    assert isinstance(event, ev.LearnerPlaced) and event.unit_confirmed is False
    assert other_unit.placement == 3
    for changes, rule in (
        ({"village": "thon-1"}, "unknown_village"),  # thon-1 is 21025's, not 21028's
        ({"unit_code": None}, "unit_required"),
        ({"commune_code": "99999"}, "unknown_commune"),
        ({"full_name": "Ai"}, "invalid_move"),
    ):
        with pytest.raises(RuleViolation) as refused:
            core.move(moved, changes, PLACES, "l1-acct", NOW)
        assert refused.value.rule == rule


def test_a_revoked_certificate_is_no_longer_the_learners_even_when_its_issue_comes_again() -> None:
    issued = ev.CertificateIssued(
        learner_id="l1",
        certificate_id="c1",
        course_version="t1",
        full_name="Võ Văn Một",
        exam_attempt_id="f1",
        exam_correct=25,
        exam_total=30,
        issued_at=NOW,
    )
    revoked = ev.CertificateRevoked(
        learner_id="l1",
        certificate_id="c1",
        course_version="t1",
        reason="cấp nhầm",
        revoked_by="admin-1",
        revoked_at=NOW,
    )
    learner = core.record(registered(), issued)
    assert learner.certificate_id == "c1"
    learner = core.record(learner, revoked)
    assert learner.certificate_id is None and learner.revoked_certificates == {"c1"}
    assert core.record(learner, issued) == learner, "a redelivered issue stays revoked"
