"""The policy, as a table: every action, every role, own and other learners, in and out
of scope. One line per case, so a change of policy is a visible change here."""

from __future__ import annotations

import pytest

from hocvuso.domain.access import Action, Principal, Subject, lineage, may, needs_token

PARENTS = {"phong-a": "so-x", "so-x": None, "so-y": None}
ME = Subject(account="acct-me", commune_code="21025", units=lineage("phong-a", PARENTS))
OTHER = Subject(account="acct-other", commune_code="21028", units=lineage("so-y", PARENTS))

# Records of the master data: no account, only where they sit.
MY_COMMUNE, OTHER_COMMUNE = Subject(None, "21025"), Subject(None, "21028")
MY_UNIT = Subject(None, "", lineage("phong-a", PARENTS))
PARENT_UNIT = Subject(None, "", lineage("so-x", PARENTS))
OTHER_UNIT = Subject(None, "", lineage("so-y", PARENTS))

LEARNER = Principal("acct-me", "learner")
UNIT_MANAGER = Principal("m1", "unit_manager", "so-x")  # phong-a is below so-x
SUB_UNIT_MANAGER = Principal("m2", "unit_manager", "phong-a")
COMMUNE_MANAGER = Principal("m3", "commune_manager", "21025")
ADMIN = Principal("a1", "province_admin")
AUDITOR = Principal("au", "auditor")
UNSCOPED_MANAGER = Principal("m4", "commune_manager")

TABLE = [
    # (who, action, on whom, allowed)
    (None, Action.PUBLIC, None, True),
    (None, Action.REGISTER, None, False),
    (None, Action.READ_LEARNER, ME, False),
    (None, Action.STUDY, ME, False),
    (LEARNER, Action.PUBLIC, None, True),
    (LEARNER, Action.REGISTER, None, True),
    (LEARNER, Action.READ_LEARNER, ME, True),
    (LEARNER, Action.READ_LEARNER, OTHER, False),
    (LEARNER, Action.STUDY, ME, True),
    (LEARNER, Action.STUDY, OTHER, False),
    (UNIT_MANAGER, Action.REGISTER, None, False),
    (UNIT_MANAGER, Action.READ_LEARNER, ME, True),  # a sub-unit's staff
    (UNIT_MANAGER, Action.READ_LEARNER, OTHER, False),
    (UNIT_MANAGER, Action.STUDY, ME, False),
    (SUB_UNIT_MANAGER, Action.READ_LEARNER, ME, True),
    (COMMUNE_MANAGER, Action.READ_LEARNER, ME, True),
    (COMMUNE_MANAGER, Action.READ_LEARNER, OTHER, False),
    (COMMUNE_MANAGER, Action.STUDY, ME, False),
    (UNSCOPED_MANAGER, Action.READ_LEARNER, ME, False),
    (UNSCOPED_MANAGER, Action.READ_LEARNER, None, False),
    (ADMIN, Action.READ_LEARNER, OTHER, True),
    (ADMIN, Action.STUDY, OTHER, False),
    (ADMIN, Action.REGISTER, None, False),
    (AUDITOR, Action.READ_LEARNER, OTHER, True),
    (AUDITOR, Action.STUDY, ME, False),
    (AUDITOR, Action.REGISTER, None, False),
    # Master data: the province keeps the structure, managers their own scope's figures.
    (None, Action.COMMUNE_FIGURES, MY_COMMUNE, False),
    (LEARNER, Action.COMMUNE_FIGURES, MY_COMMUNE, False),
    (COMMUNE_MANAGER, Action.COMMUNE_FIGURES, MY_COMMUNE, True),
    (COMMUNE_MANAGER, Action.COMMUNE_FIGURES, OTHER_COMMUNE, False),
    (COMMUNE_MANAGER, Action.UNIT_HEADCOUNT, MY_UNIT, False),
    (COMMUNE_MANAGER, Action.MASTER_DATA, MY_COMMUNE, False),
    (UNIT_MANAGER, Action.UNIT_HEADCOUNT, MY_UNIT, True),  # a sub-unit of theirs
    (UNIT_MANAGER, Action.UNIT_HEADCOUNT, OTHER_UNIT, False),
    (SUB_UNIT_MANAGER, Action.UNIT_HEADCOUNT, PARENT_UNIT, False),  # not the unit above
    (UNIT_MANAGER, Action.COMMUNE_FIGURES, MY_COMMUNE, False),
    (UNIT_MANAGER, Action.MASTER_DATA, MY_UNIT, False),
    (ADMIN, Action.COMMUNE_FIGURES, OTHER_COMMUNE, True),
    (ADMIN, Action.UNIT_HEADCOUNT, OTHER_UNIT, True),
    (ADMIN, Action.MASTER_DATA, OTHER_UNIT, True),
    (AUDITOR, Action.COMMUNE_FIGURES, MY_COMMUNE, False),
    (AUDITOR, Action.UNIT_HEADCOUNT, MY_UNIT, False),
    (AUDITOR, Action.MASTER_DATA, None, False),
    (LEARNER, Action.MASTER_DATA, None, False),
    # A learner moves themselves; a unit's manager registers and confirms its staff.
    (None, Action.MOVE, ME, False),
    (LEARNER, Action.MOVE, ME, True),
    (LEARNER, Action.MOVE, OTHER, False),
    (UNIT_MANAGER, Action.MOVE, ME, False),
    (ADMIN, Action.MOVE, ME, False),
    (UNIT_MANAGER, Action.REGISTER_STAFF, MY_UNIT, True),
    (UNIT_MANAGER, Action.REGISTER_STAFF, OTHER_UNIT, False),
    (SUB_UNIT_MANAGER, Action.REGISTER_STAFF, PARENT_UNIT, False),
    (COMMUNE_MANAGER, Action.REGISTER_STAFF, MY_UNIT, False),
    (LEARNER, Action.REGISTER_STAFF, MY_UNIT, False),
    (ADMIN, Action.REGISTER_STAFF, OTHER_UNIT, True),
    (AUDITOR, Action.REGISTER_STAFF, MY_UNIT, False),
    (UNIT_MANAGER, Action.CONFIRM_STAFF, ME, True),  # ME works in phong-a, below so-x
    (UNIT_MANAGER, Action.CONFIRM_STAFF, OTHER, False),
    (COMMUNE_MANAGER, Action.CONFIRM_STAFF, ME, False),
    (ADMIN, Action.CONFIRM_STAFF, OTHER, True),
    (AUDITOR, Action.CONFIRM_STAFF, ME, False),
    (LEARNER, Action.CONFIRM_STAFF, ME, False),
    # A team member's figures: theirs to read, and the province's.
    (None, Action.TEAM_FIGURES, ME, False),
    (LEARNER, Action.TEAM_FIGURES, ME, True),
    (LEARNER, Action.TEAM_FIGURES, OTHER, False),
    (UNIT_MANAGER, Action.TEAM_FIGURES, ME, False),
    (COMMUNE_MANAGER, Action.TEAM_FIGURES, ME, False),
    (ADMIN, Action.TEAM_FIGURES, OTHER, True),
    (AUDITOR, Action.TEAM_FIGURES, OTHER, True),
    # Lists by name: whoever answers for the unit or commune, and the province.
    (None, Action.PEOPLE_LISTS, MY_UNIT, False),
    (LEARNER, Action.PEOPLE_LISTS, MY_COMMUNE, False),
    (UNIT_MANAGER, Action.PEOPLE_LISTS, MY_UNIT, True),
    (UNIT_MANAGER, Action.PEOPLE_LISTS, OTHER_UNIT, False),
    (COMMUNE_MANAGER, Action.PEOPLE_LISTS, MY_COMMUNE, True),
    (COMMUNE_MANAGER, Action.PEOPLE_LISTS, OTHER_COMMUNE, False),
    (COMMUNE_MANAGER, Action.PEOPLE_LISTS, MY_UNIT, False),
    (ADMIN, Action.PEOPLE_LISTS, OTHER_UNIT, True),
    (AUDITOR, Action.PEOPLE_LISTS, OTHER_COMMUNE, True),
]


@pytest.mark.parametrize(("who", "action", "subject", "allowed"), TABLE)
def test_the_policy(
    who: Principal | None, action: Action, subject: Subject | None, allowed: bool
) -> None:
    assert may(who, action, subject) is allowed


def test_every_action_is_in_the_table_and_only_public_needs_no_token() -> None:
    assert {action for _, action, _, _ in TABLE} == set(Action)
    assert [a for a in Action if not needs_token(a)] == [Action.PUBLIC]


def test_a_learner_without_an_account_is_nobodys_to_study_for() -> None:
    orphan = Subject(account=None, commune_code="21025")
    assert not may(LEARNER, Action.STUDY, orphan)


def test_lineage_walks_up_and_survives_a_cycle_in_the_data() -> None:
    assert lineage("phong-a", PARENTS) == ("phong-a", "so-x")
    assert lineage(None, PARENTS) == ()
    assert lineage("a", {"a": "b", "b": "a"}) == ("a", "b")
