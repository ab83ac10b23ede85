"""The packaged course v1: the shape letter 001 describes, and a sound question bank."""

from __future__ import annotations

from collections import Counter

from hocvuso.course_files import packaged_catalog
from hocvuso.domain.course import FINAL_POOL, TOPIC_POOLS
from hocvuso.views import course_outline

COURSE = packaged_catalog()["v1"]


def test_five_topics_with_their_official_titles() -> None:
    assert [t.title for t in COURSE.topics] == [
        "Kiến thức số",
        "Sử dụng thiết bị số và phần mềm",
        "Khai thác thông tin và dữ liệu số",
        "Giao tiếp và hợp tác trên môi trường số",
        "Sáng tạo nội dung số",
    ]
    assert all(len(t.lessons) >= 2 for t in COURSE.topics)


def test_the_rules_of_letter_001() -> None:
    rules = COURSE.rules
    assert (rules.content_min_percent, rules.quiz_questions, rules.quiz_pass_correct) == (80, 5, 4)
    assert (rules.exam_questions, rules.exam_pass_correct) == (30, 21)


def test_the_bank_holds_enough_questions_for_every_draw() -> None:
    sizes = Counter(q.pool for q in COURSE.questions.values())
    assert all(sizes[pool] >= 12 for pool in TOPIC_POOLS), sizes
    assert sizes[FINAL_POOL] >= 60, sizes
    assert set(sizes) == {*TOPIC_POOLS, FINAL_POOL}


def test_every_question_has_four_distinct_choices_and_one_key() -> None:
    for q in COURSE.questions.values():
        assert len(q.choices) == 4 and len(set(q.choices)) == 4, q.id
        assert 0 <= q.answer <= 3, q.id
        assert q.text.strip(), q.id


def test_the_key_is_not_always_in_one_position() -> None:
    positions = Counter(q.answer for q in COURSE.questions.values())
    assert min(positions.values()) >= len(COURSE.questions) // 8, positions


def test_lesson_ids_are_unique_across_topics() -> None:
    ids = [lesson.id for t in COURSE.topics for lesson in t.lessons]
    assert len(ids) == len(set(ids))


def test_the_outline_carries_no_answer_key() -> None:
    outline = course_outline(COURSE)
    assert "answer" not in repr(outline)
    assert all("answer" not in q.public() for q in COURSE.questions.values())
