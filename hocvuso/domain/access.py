"""Who may do what: the one place that decides, for every route of every service.

A caller is a `Principal` (an account, a role and, for managers, the code of the unit or
commune they answer for) or nobody at all. Each route names the `Action` it performs;
`may` says whether the caller may perform it, first in general (before anything is read:
`subject=None`) and then on the learner concerned, once read. Everything not granted
below is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Role = Literal["learner", "unit_manager", "commune_manager", "province_admin", "auditor"]
ROLES: tuple[Role, ...] = (
    "learner",
    "unit_manager",
    "commune_manager",
    "province_admin",
    "auditor",
)
SCOPED_ROLES = frozenset({"unit_manager", "commune_manager"})


@dataclass(frozen=True, slots=True)
class Principal:
    account: str  # the identity provider's `sub`
    role: Role
    scope: str | None = None  # a unit code (unit_manager) or a commune code (commune_manager)


class Action(StrEnum):
    PUBLIC = "public"  # the course, master data lists, aggregate figures, verification, ops
    REGISTER = "learner.register"  # become a learner: one per account
    READ_LEARNER = "learner.read"  # a learner's progress and attempts
    STUDY = "learner.study"  # report lessons, start attempts, submit answers
    MOVE = "learner.move"  # change one's own commune, village or unit
    REGISTER_STAFF = "unit.staff.register"  # register a unit's staff in bulk
    CONFIRM_STAFF = "unit.staff.confirm"  # confirm that a learner naming the unit is its staff
    COMMUNE_FIGURES = "masterdata.commune"  # a commune's population figures, plan, villages
    UNIT_HEADCOUNT = "masterdata.headcount"  # a unit's own staff headcount
    MASTER_DATA = "masterdata.structure"  # communes, units and the tree themselves
    TEAM_FIGURES = "stats.team"  # the figures of the learners a team member helped
    PEOPLE_LISTS = "lists.people"  # who has and has not finished, by name, in a scope


@dataclass(frozen=True, slots=True)
class Subject:
    """What an action concerns, as far as deciding needs: a learner (whose account it is
    and where they belong: their unit and every unit above it), or a commune or unit of
    the master data (no account)."""

    account: str | None
    commune_code: str
    units: tuple[str, ...] = ()  # the learner's unit first, then its ancestors


def _in_scope(principal: Principal, subject: Subject) -> bool:
    if principal.role == "learner":
        return subject.account is not None and subject.account == principal.account
    if principal.role == "unit_manager":
        return principal.scope in subject.units
    if principal.role == "commune_manager":
        return principal.scope == subject.commune_code
    return principal.role in ("province_admin", "auditor")


# Action → the roles that may take it at all; None: anyone, without a token.
_GRANTS: Mapping[Action, frozenset[Role] | None] = {
    Action.PUBLIC: None,
    Action.REGISTER: frozenset({"learner"}),
    Action.READ_LEARNER: frozenset(ROLES),
    # Only learners study, and only for themselves: nobody takes a quiz for someone else.
    Action.STUDY: frozenset({"learner"}),
    Action.MOVE: frozenset({"learner"}),
    # A unit's manager answers for its staff list (a unit below theirs included).
    Action.REGISTER_STAFF: frozenset({"unit_manager", "province_admin"}),
    Action.CONFIRM_STAFF: frozenset({"unit_manager", "province_admin"}),
    # Managers keep their own scope's figures; the province keeps everything.
    Action.COMMUNE_FIGURES: frozenset({"commune_manager", "province_admin"}),
    Action.UNIT_HEADCOUNT: frozenset({"unit_manager", "province_admin"}),
    Action.MASTER_DATA: frozenset({"province_admin"}),
    # A member's own figures name them (their account): the member, and the province.
    # (Stats does not know which commune a member serves, so no commune manager yet.)
    Action.TEAM_FIGURES: frozenset({"learner", "province_admin", "auditor"}),
    # Names: for whoever answers for the unit or commune, the province and auditors.
    Action.PEOPLE_LISTS: frozenset(
        {"unit_manager", "commune_manager", "province_admin", "auditor"}
    ),
}


def needs_token(action: Action) -> bool:
    return _GRANTS.get(action, frozenset()) is not None


def may(principal: Principal | None, action: Action, subject: Subject | None = None) -> bool:
    """Whether `principal` may take `action` (on `subject`, when given)."""
    if action not in _GRANTS:
        return False
    roles = _GRANTS[action]
    if roles is None:
        return True
    if principal is None or principal.role not in roles:
        return False
    if principal.role in SCOPED_ROLES and not principal.scope:
        return False
    return subject is None or _in_scope(principal, subject)


class Denied(Exception):
    """A proven caller without the right to this (an HTTP 403)."""


def check(principal: Principal, action: Action, subject: Subject) -> None:
    """Raise `Denied` unless `principal` may take `action` on this subject."""
    if not may(principal, action, subject):
        what = "learner" if action.startswith("learner") else "record"
        raise Denied(f"this {principal.role} may not do this ({action}) to that {what}")


def lineage(unit_code: str | None, parents: Mapping[str, str | None]) -> tuple[str, ...]:
    """The unit and every unit above it, nearest first (a cycle in the data stops it)."""
    chain: list[str] = []
    while unit_code is not None and unit_code not in chain:
        chain.append(unit_code)
        unit_code = parents.get(unit_code)
    return tuple(chain)
