"""Live counters for the province, each commune and each unit with its parents.

Counting is done through per-learner facts, not by adding one per event: a learner's
contribution to every scope is recomputed from what is known about them, and only the
difference is added. So a duplicate event adds nothing, and events of one learner may
arrive in any order across topics (a certificate before the registration, say) and still
land in the right commune once the registration shows up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

PROVINCE_SCOPE = "province"
CATEGORIES = ("cbccvc", "hssv", "citizen")


def commune_scope(code: str) -> str:
    return f"commune:{code}"


def unit_scope(code: str) -> str:
    return f"unit:{code}"


# registered, category, commune, unit, topics, certified
Fingerprint = tuple[bool, str | None, str | None, str | None, frozenset[int], bool]


@dataclass
class LearnerFacts:
    registered: bool = False
    category: str | None = None
    commune: str | None = None
    unit: str | None = None
    topics: set[int] = field(default_factory=set)
    certified: bool = False

    def fingerprint(self) -> Fingerprint:
        """Equal fingerprints mean equal facts: a cheap way to tell a change from a repeat."""
        return (
            self.registered,
            self.category,
            self.commune,
            self.unit,
            frozenset(self.topics),
            self.certified,
        )

    @classmethod
    def from_fingerprint(cls, fingerprint: Fingerprint) -> LearnerFacts:
        registered, category, commune, unit, topics, certified = fingerprint
        return cls(registered, category, commune, unit, set(topics), certified)


Counts = dict[str, int]
COUNT_FIELDS = (
    "learners",
    *(f"learners_{c}" for c in CATEGORIES),
    "topics_completed",
    "completed_all_topics",
    "certificates",
)


def empty_counts() -> Counts:
    return dict.fromkeys(COUNT_FIELDS, 0)


class CounterBook:
    """Per-learner facts and the scope counters that follow from them."""

    def __init__(self, unit_parents: Mapping[str, str | None], topic_count: int = 5) -> None:
        self._unit_parents = unit_parents
        self._topic_count = topic_count
        self.learners: dict[str, LearnerFacts] = {}
        self.scopes: dict[str, Counts] = {}
        self.dirty_learners: set[str] = set()
        self.dirty_scopes: set[str] = set()

    def register(self, learner_id: str, category: str, commune: str, unit: str | None) -> None:
        def change(f: LearnerFacts) -> None:
            f.registered, f.category, f.commune, f.unit = True, category, commune, unit

        self._update(learner_id, change)

    def complete_topic(self, learner_id: str, topic: int) -> None:
        self._update(learner_id, lambda f: f.topics.add(topic))

    def certify(self, learner_id: str) -> None:
        self._update(learner_id, lambda f: setattr(f, "certified", True))

    def load_learner(self, learner_id: str, facts: LearnerFacts) -> None:
        """Restore a learner saved earlier, adding their contribution to the scopes."""
        copy = LearnerFacts.from_fingerprint(facts.fingerprint())  # the book owns its own copy
        self._update(learner_id, lambda f: f.__dict__.update(copy.__dict__))

    def counts(self, scope: str) -> Counts:
        return dict(self.scopes.get(scope) or empty_counts())

    def take_dirty(self) -> tuple[dict[str, LearnerFacts], dict[str, Counts]]:
        learners = {lid: self.learners[lid] for lid in self.dirty_learners}
        scopes = {s: self.counts(s) for s in self.dirty_scopes}
        self.dirty_learners, self.dirty_scopes = set(), set()
        return learners, scopes

    def _update(self, learner_id: str, change: Callable[[LearnerFacts], None]) -> None:
        facts = self.learners.setdefault(learner_id, LearnerFacts())
        before = facts.fingerprint()
        change(facts)
        if facts.fingerprint() == before:
            return  # a duplicate or a re-announcement: the common case, kept cheap
        self.dirty_learners.add(learner_id)
        old = LearnerFacts.from_fingerprint(before)
        self._add(self._scopes_of(old), self._contribution(old), -1)
        self._add(self._scopes_of(facts), self._contribution(facts), +1)

    def _add(self, scopes: list[str], counts: Counts, sign: int) -> None:
        for scope in scopes:
            target = self.scopes.setdefault(scope, empty_counts())
            for name, value in counts.items():
                if value:
                    target[name] += sign * value
                    self.dirty_scopes.add(scope)

    def _contribution(self, facts: LearnerFacts) -> Counts:
        counts = empty_counts()
        if not facts.registered:
            return counts
        counts["learners"] = 1
        if facts.category in CATEGORIES:
            counts[f"learners_{facts.category}"] = 1
        counts["topics_completed"] = len(facts.topics)
        counts["completed_all_topics"] = int(len(facts.topics) >= self._topic_count)
        counts["certificates"] = int(facts.certified)
        return counts

    def _scopes_of(self, facts: LearnerFacts) -> list[str]:
        if not facts.registered:
            return []
        scopes = [PROVINCE_SCOPE]
        if facts.commune:
            scopes.append(commune_scope(facts.commune))
        unit, seen = facts.unit, set()
        while unit and unit not in seen:  # guards against a cycle in bad master data
            seen.add(unit)
            scopes.append(unit_scope(unit))
            unit = self._unit_parents.get(unit)
        return scopes
