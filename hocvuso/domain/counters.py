"""Live counters for the province, each commune and its villages, and each unit with its
parents.

Counting is done through per-learner facts, not by adding one per event: a learner's
contribution to every scope is recomputed from what is known about them, and only the
difference is added. So a duplicate event adds nothing, and events of one learner may
arrive in any order across topics (a certificate before the registration, say) and still
land in the right commune once the registration shows up.

The book also keeps the history the `as_of` figures are read from: whenever the second
its events were appended in (log time, `at`) moves on, the scopes changed within the
second that ended are noted with their counts then (`history`, keyed by scope and second).
The figure of a scope as of second T is the latest noted at or before T.

The book does not hold every learner: whoever runs it keeps the facts of learners not in
`learners` elsewhere (on disk) and hands them back with `remember` before counting one of
their events. A learner the book has never been told about is a learner with no facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

PROVINCE_SCOPE = "province"
CATEGORIES = ("cbccvc", "hssv", "citizen")


def commune_scope(code: str) -> str:
    return f"commune:{code}"


def unit_scope(code: str) -> str:
    return f"unit:{code}"


def village_scope(commune: str, code: str) -> str:
    return f"village:{commune}/{code}"


def team_scope(account: str) -> str:
    """The learners a community-tech-team member helped register (`assisted_by`)."""
    return f"team:{account}"


# An adult is born in or before (report year − 18). Learners are counted as adults for each
# year the campaign may report on, so any of them is a plain read; a later year needs a
# new field (and a recount: see the counting state's layout).
ADULT_AGE = 18
REPORT_YEARS = (2025, 2026, 2027, 2028)


def adults_field(year: int, certified: bool = False) -> str:
    return f"adults_certified_{year}" if certified else f"adults_{year}"


class LearnerFacts(NamedTuple):
    """What counting needs to know of one learner: a few dozen bytes, immutable so that an
    update is a comparison of the old and the new value (a tuple: every event of the
    province makes one, so it must be cheap)."""

    registered: bool = False
    category: str | None = None
    commune: str | None = None
    unit: str | None = None  # the unit they count in: confirmed
    topics: frozenset[int] = frozenset()
    certificates: frozenset[str] = frozenset()  # valid ones: issued and not revoked
    claimed: str | None = None  # the unit they named, not confirmed yet: counted apart
    placement: int = 0  # the latest placement taken (registration: 0)
    village: str | None = None  # of `commune`
    born: int | None = None  # birth year; None for registrations before it was asked
    team: bool = False  # a community-tech-team member
    helper: str | None = None  # the team member who helped them register (`assisted_by`)
    started: bool = False  # took a first lesson or attempt
    revoked: frozenset[str] = frozenset()  # certificates withdrawn: they never count again

    @property
    def certified(self) -> bool:
        return bool(self.certificates)

    @property
    def has_started(self) -> bool:
        # Learners who started before `LearnerStarted` existed show it by their progress.
        return self.started or bool(self.topics) or self.certified


NO_FACTS = LearnerFacts()

Counts = dict[str, int]
COUNT_FIELDS = (
    "learners",
    *(f"learners_{c}" for c in CATEGORIES),
    "topics_completed",
    "completed_all_topics",
    "certificates",
    *(f"certificates_{c}" for c in CATEGORIES),  # trained, by who they are (the rates' parts)
    "learners_unconfirmed",  # in a unit's scopes: staff who named it, not confirmed yet
    "learners_started",  # took a first lesson or attempt
    "learners_team",  # community-tech-team members among the learners
    "learners_born_unknown",  # registered before birth years were asked: not in `adults_*`
    *(adults_field(y) for y in REPORT_YEARS),
    *(adults_field(y, certified=True) for y in REPORT_YEARS),
)


def empty_counts() -> Counts:
    return dict.fromkeys(COUNT_FIELDS, 0)


# What one more topic adds to a registered learner's scopes who has started (the hot path:
# see `_contribution` for everything else).
_ONE_TOPIC = (("topics_completed", 1),)
_ONE_TOPIC_AND_ALL = (("topics_completed", 1), ("completed_all_topics", 1))


class CounterBook:
    """Scope counters, and the facts of the learners being counted right now."""

    def __init__(self, unit_parents: Mapping[str, str | None], topic_count: int = 5) -> None:
        self._unit_parents = unit_parents
        self._topic_count = topic_count
        self.learners: dict[str, LearnerFacts] = {}
        self.scopes: dict[str, Counts] = {}
        self.dirty_learners: set[str] = set()
        self.dirty_scopes: set[str] = set()
        self._places: dict[tuple[str | None, ...], tuple[str, ...]] = {}
        self.history: dict[tuple[str, int], Counts] = {}  # (scope, second) → counts then
        self._second: int | None = None  # the second the events being counted belong to
        self._changed_in_second: set[str] = set()

    def at(self, second: int) -> None:
        """The events counted from now on were appended to the log in `second` (epoch
        seconds, rounded up: second T holds what was appended after T − 1 and up to T).
        The log's order wins over a clock that stepped back: an event is never placed in
        an earlier second than the events before it."""
        if self._second is None or second > self._second:
            self._note_second()
            self._second = second

    def _note_second(self) -> None:
        if self._second is not None:
            for scope in self._changed_in_second:
                self.history[(scope, self._second)] = self.counts(scope)
        self._changed_in_second = set()

    def register(
        self,
        learner_id: str,
        category: str,
        commune: str,
        unit: str | None,
        unit_confirmed: bool = True,
        village: str | None = None,
        *,
        born: int | None = None,
        team: bool = False,
        helper: str | None = None,
    ) -> None:
        f = self.learners.get(learner_id, NO_FACTS)
        who = f._replace(registered=True, category=category, born=born, team=team, helper=helper)
        if f.placement > 0:  # moved already (this is a late or repeated registration)
            self._update(learner_id, f, who)
            return
        counted, claimed = (unit, None) if unit_confirmed else (None, unit)
        new = who._replace(commune=commune, village=village, unit=counted, claimed=claimed)
        self._update(learner_id, f, new)

    def place(
        self,
        learner_id: str,
        placement: int,
        commune: str,
        unit: str | None,
        unit_confirmed: bool,
        village: str | None = None,
    ) -> None:
        """The learner moved, or was confirmed: their counts leave the old scopes for the
        new ones. An older placement than the one taken changes nothing."""
        f = self.learners.get(learner_id, NO_FACTS)
        if placement <= f.placement:
            return
        counted, claimed = (unit, None) if unit_confirmed else (None, unit)
        new = f._replace(
            commune=commune, village=village, unit=counted, claimed=claimed, placement=placement
        )
        self._update(learner_id, f, new)

    def start(self, learner_id: str) -> None:
        f = self.learners.get(learner_id, NO_FACTS)
        if not f.started:
            self._update(learner_id, f, f._replace(started=True))

    def complete_topic(self, learner_id: str, topic: int) -> None:
        f = self.learners.get(learner_id, NO_FACTS)
        if topic in f.topics:
            return  # a redelivery: the common case, kept cheap
        topics = f.topics | {topic}
        if not f.registered or not f.has_started:  # what else it changes: worked out in full
            self._update(learner_id, f, f._replace(topics=topics))
            return
        self._set(learner_id, f._replace(topics=topics))
        done = len(topics) == self._topic_count  # the learner stays: only these counts move
        self._add(self._scopes_of(f), _ONE_TOPIC_AND_ALL if done else _ONE_TOPIC)

    def certify(self, learner_id: str, certificate_id: str = "") -> None:
        f = self.learners.get(learner_id, NO_FACTS)
        if certificate_id in f.certificates or certificate_id in f.revoked:
            return  # a redelivery, or a certificate revoked already (whatever came first)
        self._update(learner_id, f, f._replace(certificates=f.certificates | {certificate_id}))

    def revoke(self, learner_id: str, certificate_id: str) -> None:
        """The certificate no longer counts, whether or not its issue was counted yet; the
        learner stays certified only if they hold another valid one."""
        f = self.learners.get(learner_id, NO_FACTS)
        if certificate_id in f.revoked:
            return
        valid = f.certificates - {certificate_id}
        self._update(
            learner_id, f, f._replace(certificates=valid, revoked=f.revoked | {certificate_id})
        )

    def remember(self, learner_id: str, facts: LearnerFacts) -> None:
        """Take back facts kept elsewhere; they are already in the scope counters."""
        self.learners[learner_id] = facts

    def forget(self, learner_ids: Iterable[str]) -> None:
        """Drop learners whose facts are kept elsewhere, to bound memory; never a dirty one."""
        for learner_id in learner_ids:
            if learner_id not in self.dirty_learners:
                self.learners.pop(learner_id, None)

    def restore_scopes(self, scopes: Mapping[str, Counts]) -> None:
        # Counters saved before a field existed read as 0 for it (and are recounted when
        # the stored form changes layout: see the checkpoint's version).
        self.scopes = {scope: empty_counts() | dict(counts) for scope, counts in scopes.items()}

    def counts(self, scope: str) -> Counts:
        return dict(self.scopes.get(scope) or empty_counts())

    def take_dirty(
        self,
    ) -> tuple[dict[str, LearnerFacts], dict[str, Counts], dict[tuple[str, int], Counts]]:
        """What changed since the last call: learners, scopes, and the history noted (the
        second in hand included, as it stands: more of it may follow, noted again)."""
        self._note_second()
        learners = {lid: self.learners[lid] for lid in self.dirty_learners}
        scopes = {s: self.counts(s) for s in self.dirty_scopes}
        history, self.history = self.history, {}
        self.dirty_learners, self.dirty_scopes = set(), set()
        return learners, scopes, history

    def _set(self, learner_id: str, facts: LearnerFacts) -> None:
        self.learners[learner_id] = facts
        self.dirty_learners.add(learner_id)

    def _update(self, learner_id: str, old: LearnerFacts, new: LearnerFacts) -> None:
        if new == old:
            return  # a duplicate or a re-announcement
        self._set(learner_id, new)
        claimed_before, claimed_after = self._claimed_scopes(old), self._claimed_scopes(new)
        if claimed_before != claimed_after:
            self._add(claimed_before, (("learners_unconfirmed", -1),))
            self._add(claimed_after, (("learners_unconfirmed", 1),))
        before, after = self._scopes_of(old), self._scopes_of(new)
        if before is after:  # the learner stays where they were: add the difference
            delta = self._contribution(new)
            for name, value in self._contribution(old).items():
                delta[name] = delta.get(name, 0) - value
            self._add(after, [(name, value) for name, value in delta.items() if value])
        else:
            self._add(before, [(name, -value) for name, value in self._contribution(old).items()])
            self._add(after, list(self._contribution(new).items()))

    def _add(self, scopes: tuple[str, ...], changes: Sequence[tuple[str, int]]) -> None:
        """Add non-zero `changes` to every scope in `scopes`."""
        if not changes:
            return
        for scope in scopes:
            target = self.scopes.get(scope)
            if target is None:
                target = self.scopes[scope] = empty_counts()
            for name, value in changes:
                target[name] += value
            self.dirty_scopes.add(scope)
            self._changed_in_second.add(scope)

    def _contribution(self, facts: LearnerFacts) -> Counts:
        """The learner's non-zero counts."""
        if not facts.registered:
            return {}
        counts = {"learners": 1}
        if facts.category in CATEGORIES:
            counts[f"learners_{facts.category}"] = 1
        if facts.topics:
            counts["topics_completed"] = len(facts.topics)
            if len(facts.topics) >= self._topic_count:
                counts["completed_all_topics"] = 1
        if facts.certified:
            counts["certificates"] = 1
            if facts.category in CATEGORIES:
                counts[f"certificates_{facts.category}"] = 1
        if facts.has_started:
            counts["learners_started"] = 1
        if facts.team:
            counts["learners_team"] = 1
        if facts.born is None:
            counts["learners_born_unknown"] = 1
        else:
            for year in REPORT_YEARS:
                if facts.born <= year - ADULT_AGE:
                    counts[adults_field(year)] = 1
                    if facts.certified:
                        counts[adults_field(year, certified=True)] = 1
        return counts

    def _scopes_of(self, facts: LearnerFacts) -> tuple[str, ...]:
        """Every scope a learner counts in; one shared tuple per place, so that a learner
        who has not moved is told by identity."""
        if not facts.registered:
            return ()
        place = (facts.commune, facts.village, facts.unit, facts.helper)
        scopes = self._places.get(place)
        if scopes is None:
            scopes = self._places[place] = self._resolve(*place)
        return scopes

    def _claimed_scopes(self, facts: LearnerFacts) -> tuple[str, ...]:
        """The unit a learner named but that has not confirmed them, and the units above."""
        if not facts.registered or facts.claimed is None:
            return ()
        return self._resolve(None, None, facts.claimed, None)[1:]  # no province: units only

    def _resolve(
        self, commune: str | None, village: str | None, unit: str | None, helper: str | None
    ) -> tuple[str, ...]:
        scopes = [PROVINCE_SCOPE]
        if helper:
            scopes.append(team_scope(helper))
        if commune:
            scopes.append(commune_scope(commune))
            if village:
                scopes.append(village_scope(commune, village))
        seen = set()
        while unit and unit not in seen:  # guards against a cycle in bad master data
            seen.add(unit)
            scopes.append(unit_scope(unit))
            unit = self._unit_parents.get(unit)
        return tuple(scopes)
