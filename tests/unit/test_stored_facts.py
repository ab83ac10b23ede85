"""A learner's counted facts survive the stats database unchanged."""

from __future__ import annotations

from hocvuso.adapters.mappers import facts_from_dict, facts_to_dict
from hocvuso.domain.counters import PROVINCE_SCOPE, CounterBook, LearnerFacts


def test_saved_facts_load_back_equal_and_count_the_same() -> None:
    facts = LearnerFacts(True, "cbccvc", "21025", "so-gd", {3, 1}, True)
    loaded = facts_from_dict(facts_to_dict(facts))
    assert loaded == facts
    before, after = CounterBook({"so-gd": None}), CounterBook({"so-gd": None})
    before.load_learner("l1", facts)
    after.load_learner("l1", loaded)
    assert after.counts(PROVINCE_SCOPE) == before.counts(PROVINCE_SCOPE)


def test_topics_are_stored_in_order_so_equal_facts_store_equal_documents() -> None:
    assert facts_to_dict(LearnerFacts(topics={5, 2, 4}))["topics"] == [2, 4, 5]


def test_a_document_missing_fields_loads_as_not_yet_known() -> None:
    assert facts_from_dict({"_id": "l1", "p": 0}) == LearnerFacts()


def test_a_loaded_learner_does_not_share_state_with_the_caller() -> None:
    facts = LearnerFacts(registered=True, category="citizen", commune="21025", topics={1})
    book = CounterBook({})
    book.load_learner("l1", facts)
    facts.topics.add(2)
    assert book.learners["l1"].topics == {1}
