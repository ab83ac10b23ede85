"""A small course built in code, so rule tests do not depend on the content of the bank."""

from __future__ import annotations

from hocvuso.domain.course import Course, course_from_data


def tiny_course(
    version: str = "t1", effective_from: str = "2025-10-01T00:00:00+07:00", **rules
) -> Course:
    topics = [
        {
            "number": n,
            "title": f"Chuyên đề {n}",
            "lessons": [{"id": f"t{n}-l{i}", "title": f"Bài {i}", "summary": "."} for i in (1, 2)],
        }
        for n in range(1, 6)
    ]
    questions = [
        {
            "id": f"t{n}-q{i:02d}",
            "pool": str(n),
            "text": "?",
            "choices": ["a", "b", "c", "d"],
            "answer": i % 4,
        }
        for n in range(1, 6)
        for i in range(1, 8)
    ] + [
        {
            "id": f"f-q{i:02d}",
            "pool": "final",
            "text": "?",
            "choices": ["a", "b", "c", "d"],
            "answer": i % 4,
        }
        for i in range(1, 36)
    ]
    base_rules = {
        "content_min_percent": 80,
        "quiz_questions": 5,
        "quiz_pass_correct": 4,
        "exam_questions": 30,
        "exam_pass_correct": 21,
        "max_attempts": None,
    }
    course = {
        "version": version,
        "title": "Khóa thử",
        "effective_from": effective_from,
        "rules": {**base_rules, **rules},
        "topics": topics,
    }
    return course_from_data(course, questions)
