"""Counters: duplicates add nothing, order does not matter, units roll up to parents."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hocvuso.domain.counters import (
    PROVINCE_SCOPE,
    CounterBook,
    commune_scope,
    team_scope,
    unit_scope,
    village_scope,
)

PARENTS = {"so-gd": None, "truong-a": "so-gd", "ubnd-21025": None}


def event_stream():
    learner = st.sampled_from(["l1", "l2", "l3", "l4"])
    register = st.tuples(
        st.just("register"),
        learner,
        st.sampled_from(["cbccvc", "citizen", "hssv"]),
        st.sampled_from(["21025", "21028"]),
        st.sampled_from([None, "truong-a", "ubnd-21025"]),
        st.booleans(),  # unit confirmed
        st.sampled_from([None, "thon-1", "thon-2"]),
        st.sampled_from([None, 1950, 2007, 2008, 2010]),  # birth year
        st.booleans(),  # a community-tech-team member
        st.sampled_from([None, "helper-1", "helper-2"]),  # assisted by
    )
    topic = st.tuples(st.just("topic"), learner, st.integers(1, 5))
    cert = st.tuples(st.just("cert"), learner, st.sampled_from(["c1", "c2"]))
    revoke = st.tuples(st.just("revoke"), learner, st.sampled_from(["c1", "c2"]))
    start = st.tuples(st.just("start"), learner)
    place = st.tuples(
        st.just("place"),
        learner,
        st.integers(1, 4),  # placement
        st.sampled_from(["21025", "21028"]),
        st.sampled_from([None, "truong-a", "so-gd"]),
        st.booleans(),
        st.sampled_from([None, "thon-1", "thon-2"]),
    )
    return st.lists(st.one_of(register, topic, cert, revoke, start, place), max_size=30)


def replay(events, book: CounterBook | None = None) -> CounterBook:
    book = book or CounterBook(PARENTS)
    registered = set()
    for e in events:
        if e[0] == "register":
            if e[1] in registered:
                continue  # a learner registers once; re-registration is not a fact we emit
            registered.add(e[1])
            book.register(*e[1:7], born=e[7], team=e[8], helper=e[9])
        elif e[0] == "place":
            book.place(e[1], e[2], e[3], e[4], e[5], e[6])
        elif e[0] == "topic":
            book.complete_topic(e[1], e[2])
        elif e[0] == "start":
            book.start(e[1])
        elif e[0] == "revoke":
            book.revoke(e[1], e[2])
        else:
            book.certify(e[1], e[2])
    return book


def recount(book: CounterBook, scope: str) -> dict[str, int]:
    """The counters computed from scratch from the learners, to compare with the live ones."""
    fresh = CounterBook(PARENTS)
    for lid, facts in book.learners.items():
        if facts.registered:  # straight to where the learner is now
            unit = facts.unit or facts.claimed
            confirmed = facts.claimed is None
            commune, village = facts.commune or "", facts.village
            fresh.register(
                lid,
                facts.category or "",
                commune,
                unit,
                confirmed,
                village,
                born=facts.born,
                team=facts.team,
                helper=facts.helper,
            )
        for topic in facts.topics:
            fresh.complete_topic(lid, topic)
        for certificate in facts.certificates:
            fresh.certify(lid, certificate)
        if facts.started:
            fresh.start(lid)
    return fresh.counts(scope)


def test_a_learner_counts_in_province_commune_unit_and_parent_unit() -> None:
    book = CounterBook(PARENTS)
    book.register("l1", "cbccvc", "21025", "truong-a")
    book.complete_topic("l1", 1)
    book.complete_topic("l1", 2)
    book.certify("l1")
    for scope in (
        PROVINCE_SCOPE,
        commune_scope("21025"),
        unit_scope("truong-a"),
        unit_scope("so-gd"),
    ):
        counts = book.counts(scope)
        assert (counts["learners"], counts["topics_completed"], counts["certificates"]) == (1, 2, 1)
        assert counts["learners_cbccvc"] == 1
    assert book.counts(commune_scope("21028"))["learners"] == 0


def test_duplicates_add_nothing() -> None:
    book = CounterBook(PARENTS)
    for _ in range(3):
        book.register("l1", "citizen", "21025", None)
        book.complete_topic("l1", 4)
        book.certify("l1")
    assert book.counts(PROVINCE_SCOPE)["learners"] == 1
    assert book.counts(PROVINCE_SCOPE)["topics_completed"] == 1
    assert book.counts(PROVINCE_SCOPE)["certificates"] == 1


def test_facts_before_registration_land_once_the_learner_is_known() -> None:
    book = CounterBook(PARENTS)
    book.complete_topic("l1", 1)
    book.certify("l1")
    assert book.counts(PROVINCE_SCOPE)["certificates"] == 0
    book.register("l1", "hssv", "21028", None)
    counts = book.counts(commune_scope("21028"))
    assert (counts["learners"], counts["topics_completed"], counts["certificates"]) == (1, 1, 1)


def test_completed_all_topics_needs_five() -> None:
    book = CounterBook(PARENTS)
    book.register("l1", "citizen", "21025", None)
    for t in (1, 2, 3, 4):
        book.complete_topic("l1", t)
    assert book.counts(PROVINCE_SCOPE)["completed_all_topics"] == 0
    book.complete_topic("l1", 5)
    assert book.counts(PROVINCE_SCOPE)["completed_all_topics"] == 1


@given(event_stream())
def test_live_counters_equal_a_recount_and_survive_duplicates(events) -> None:
    book = replay(events)
    twice = replay(events + events)
    for scope in (
        PROVINCE_SCOPE,
        commune_scope("21025"),
        village_scope("21025", "thon-1"),
        village_scope("21028", "thon-2"),
        unit_scope("so-gd"),
        unit_scope("truong-a"),
        unit_scope("ubnd-21025"),
        team_scope("helper-1"),
    ):
        assert book.counts(scope) == recount(book, scope)
        assert twice.counts(scope) == book.counts(scope)


@given(event_stream(), st.randoms())
def test_the_order_of_one_learners_events_does_not_matter(events, rnd) -> None:
    shuffled = list(events)
    rnd.shuffle(shuffled)
    # Registration content must be the same in both orders: keep each learner's first one.
    firsts = {}
    for e in events:
        if e[0] == "register":
            firsts.setdefault(e[1], e)
    # Placements are numbered: the highest wins whatever the order; keep them distinct.
    places: dict[tuple[str, int], tuple] = {}
    for e in events:
        if e[0] == "place":
            places.setdefault((e[1], e[2]), e)
    normalise = [
        firsts[e[1]] if e[0] == "register" else places[(e[1], e[2])] if e[0] == "place" else e
        for e in shuffled
    ]
    events = [
        firsts[e[1]] if e[0] == "register" else places[(e[1], e[2])] if e[0] == "place" else e
        for e in events
    ]
    assert replay(normalise).counts(PROVINCE_SCOPE) == replay(events).counts(PROVINCE_SCOPE)


def test_dirty_tracking_reports_changed_learners_and_scopes_once() -> None:
    book = CounterBook(PARENTS)
    book.register("l1", "citizen", "21025", None)
    learners, scopes, _ = book.take_dirty()
    assert set(learners) == {"l1"}
    assert set(scopes) == {PROVINCE_SCOPE, commune_scope("21025")}
    book.register("l1", "citizen", "21025", None)
    assert book.take_dirty() == ({}, {}, {})


def test_a_learner_taken_back_from_storage_moves_counts_like_one_never_dropped() -> None:
    """The book keeps only some learners in memory; one forgotten and remembered again
    must count exactly as if it had stayed."""
    stayed, dropped = CounterBook(PARENTS), CounterBook(PARENTS)
    for book in (stayed, dropped):
        book.register("l1", "citizen", "21025", "truong-a")
        book.complete_topic("l1", 1)
        book.take_dirty()
    kept = dropped.learners["l1"]
    dropped.forget(["l1"])
    assert "l1" not in dropped.learners
    dropped.remember("l1", kept)
    for book in (stayed, dropped):
        book.complete_topic("l1", 1)  # a duplicate: nothing moves
        book.register("l1", "citizen", "21028", None)  # a move to another commune
        book.certify("l1")
    for scope in (
        PROVINCE_SCOPE,
        commune_scope("21025"),
        commune_scope("21028"),
        unit_scope("so-gd"),
    ):
        assert dropped.counts(scope) == stayed.counts(scope)
    assert dropped.counts(commune_scope("21025"))["learners"] == 0


def test_a_learner_with_unsaved_changes_is_never_forgotten() -> None:
    book = CounterBook(PARENTS)
    book.register("l1", "citizen", "21025", None)
    book.forget(["l1"])
    assert "l1" in book.learners


def test_a_move_takes_every_count_from_the_old_scopes_to_the_new() -> None:
    book = CounterBook(PARENTS)
    book.register("l1", "cbccvc", "21025", "truong-a")
    book.complete_topic("l1", 1)
    book.certify("l1")
    book.place("l1", 1, "21028", "ubnd-21025", unit_confirmed=True)
    for scope in (commune_scope("21025"), unit_scope("truong-a"), unit_scope("so-gd")):
        assert book.counts(scope)["learners"] == 0
        assert book.counts(scope)["certificates"] == 0
    for scope in (commune_scope("21028"), unit_scope("ubnd-21025")):
        counts = book.counts(scope)
        assert (counts["learners"], counts["topics_completed"], counts["certificates"]) == (1, 1, 1)
    assert book.counts(PROVINCE_SCOPE)["learners"] == 1, "the province keeps them"
    book.place("l1", 1, "21025", None, unit_confirmed=True)  # the same placement again
    assert book.counts(commune_scope("21028"))["learners"] == 1


def test_staff_who_name_a_unit_count_apart_until_it_confirms_them() -> None:
    book = CounterBook(PARENTS)
    book.register("l1", "cbccvc", "21025", "truong-a", unit_confirmed=False)
    book.certify("l1")
    for scope in (unit_scope("truong-a"), unit_scope("so-gd")):
        counts = book.counts(scope)
        assert (counts["learners"], counts["certificates"]) == (0, 0)
        assert counts["learners_unconfirmed"] == 1
    assert book.counts(commune_scope("21025"))["learners"] == 1, "their commune counts them"
    book.place("l1", 1, "21025", "truong-a", unit_confirmed=True)
    counts = book.counts(unit_scope("so-gd"))
    assert (counts["learners"], counts["certificates"], counts["learners_unconfirmed"]) == (1, 1, 0)


def test_certificates_count_by_category_whatever_came_first() -> None:
    """Who was trained, by who they are: the part of every rate of the letters. A
    certificate heard before its registration lands in the right category once it shows."""
    book = CounterBook(PARENTS)
    book.certify("staff")
    book.register("staff", "cbccvc", "21025", "truong-a")
    book.register("pupil", "hssv", "21025", None)
    book.certify("pupil")
    book.certify("pupil")  # a redelivery
    book.register("citizen", "citizen", "21028", None)
    school = book.counts(unit_scope("so-gd"))
    assert (school["certificates"], school["certificates_cbccvc"]) == (1, 1)
    commune = book.counts(commune_scope("21025"))
    assert (commune["certificates_cbccvc"], commune["certificates_hssv"]) == (1, 1)
    assert commune["certificates_citizen"] == 0
    book.place("staff", 1, "21028", None, True)  # moved: the certificate goes along
    assert book.counts(commune_scope("21028"))["certificates_cbccvc"] == 1
    assert book.counts(unit_scope("so-gd"))["certificates_cbccvc"] == 0


def test_a_learner_counts_in_their_village_and_a_move_takes_them_to_the_new_one() -> None:
    book = CounterBook(PARENTS)
    book.register("l1", "citizen", "21025", None, True, "thon-1")
    book.register("l2", "citizen", "21025", None, True, None)  # no village named
    book.complete_topic("l1", 1)
    book.certify("l1")
    thon_1 = book.counts(village_scope("21025", "thon-1"))
    assert (thon_1["learners"], thon_1["topics_completed"], thon_1["certificates"]) == (1, 1, 1)
    assert book.counts(commune_scope("21025"))["learners"] == 2
    book.place("l1", 1, "21025", None, True, "thon-2")
    assert book.counts(village_scope("21025", "thon-1"))["learners"] == 0
    thon_2 = book.counts(village_scope("21025", "thon-2"))
    assert (thon_2["learners"], thon_2["topics_completed"], thon_2["certificates"]) == (1, 1, 1)
    book.place("l1", 2, "21028", None, True, None)  # another commune, no village
    assert book.counts(village_scope("21025", "thon-2"))["learners"] == 0
    assert book.counts(commune_scope("21028"))["certificates"] == 1


def test_adults_are_counted_for_each_report_year_by_birth_year() -> None:
    book = CounterBook(PARENTS)
    book.register("old", "citizen", "21025", None, born=1960)
    book.register("eighteen-in-2026", "hssv", "21025", None, born=2008)
    book.register("unknown", "citizen", "21025", None)  # registered before birth years
    book.certify("eighteen-in-2026", "c1")
    counts = book.counts(commune_scope("21025"))
    assert (counts["adults_2025"], counts["adults_2026"], counts["adults_2028"]) == (1, 2, 2)
    assert (counts["adults_certified_2025"], counts["adults_certified_2026"]) == (0, 1)
    assert counts["learners_born_unknown"] == 1


def test_learners_a_team_member_helped_count_in_their_team_scope_too() -> None:
    book = CounterBook(PARENTS)
    book.register("l1", "citizen", "21025", None, helper="helper-1", born=1970)
    book.register("l2", "citizen", "21028", None, helper="helper-1", born=1970)
    book.register("member", "citizen", "21028", None, team=True, born=1990)
    book.complete_topic("l2", 1)
    team = book.counts(team_scope("helper-1"))
    assert (team["learners"], team["topics_completed"], team["learners_team"]) == (2, 1, 0)
    assert book.counts(PROVINCE_SCOPE)["learners_team"] == 1
    book.place("l2", 1, "21025", None, True)  # a move leaves the helper where they were
    assert book.counts(team_scope("helper-1"))["learners"] == 2


def test_a_learner_has_started_from_their_first_step_or_any_progress() -> None:
    book = CounterBook(PARENTS)
    book.register("l1", "citizen", "21025", None)
    book.register("l2", "citizen", "21025", None)
    book.register("l3", "citizen", "21025", None)
    assert book.counts(PROVINCE_SCOPE)["learners_started"] == 0
    book.start("l1")
    book.start("l1")
    book.complete_topic("l2", 3)  # started before the event existed: progress tells
    book.complete_topic("l2", 4)
    assert book.counts(PROVINCE_SCOPE)["learners_started"] == 2


def test_a_revoked_certificate_stops_counting_and_its_issue_read_again_changes_nothing() -> None:
    book = CounterBook(PARENTS)
    book.register("l1", "cbccvc", "21025", "truong-a", born=1980)
    book.certify("l1", "c1")
    book.revoke("l1", "c1")
    book.certify("l1", "c1")  # redelivered after the revocation
    for scope in (PROVINCE_SCOPE, unit_scope("so-gd")):
        counts = book.counts(scope)
        assert (counts["certificates"], counts["certificates_cbccvc"]) == (0, 0)
        assert counts["adults_certified_2025"] == 0
    book.revoke("l2", "c9")  # before anything else of theirs: it waits for the issue
    book.certify("l2", "c9")
    book.register("l2", "citizen", "21025", None)
    assert book.counts(PROVINCE_SCOPE)["certificates"] == 0
    book.certify("l1", "c2")  # a new certificate after the revoked one
    assert book.counts(PROVINCE_SCOPE)["certificates"] == 1


def test_history_notes_each_scope_as_it_stood_at_the_end_of_each_second_it_changed() -> None:
    book = CounterBook(PARENTS)
    book.at(100)
    book.register("l1", "citizen", "21025", None)
    book.register("l2", "citizen", "21028", None)
    book.at(101)
    book.complete_topic("l1", 1)
    book.at(99)  # a clock that stepped back: the log's order wins, still second 101
    book.register("l3", "citizen", "21025", None)
    *_, history = book.take_dirty()
    assert history[(PROVINCE_SCOPE, 100)]["learners"] == 2
    assert history[(commune_scope("21028"), 100)]["learners"] == 1
    assert (commune_scope("21028"), 101) not in history, "only what changed in a second"
    province = history[(PROVINCE_SCOPE, 101)]
    assert (province["learners"], province["topics_completed"]) == (3, 1)
    assert (PROVINCE_SCOPE, 99) not in history
    book.register("l4", "hssv", "21025", None)  # more of second 101: noted again, whole
    *_, more = book.take_dirty()
    assert more[(PROVINCE_SCOPE, 101)]["learners"] == 4
