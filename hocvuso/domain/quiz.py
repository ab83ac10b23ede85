"""Drawing questions for an attempt and scoring the answers against the key."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence

from hocvuso.domain.course import Course
from hocvuso.domain.progress import RuleViolation


def draw_questions(course: Course, pool: str, attempt_id: str) -> list[str]:
    """Pick the attempt's questions; seeded by the attempt id so a retry draws the same ones."""
    bank = sorted(q.id for q in course.pool(pool))
    wanted = course.rules.questions_for(pool)
    if len(bank) < wanted:
        raise RuleViolation(f"pool {pool!r} holds {len(bank)} questions, an attempt needs {wanted}")
    seed = int.from_bytes(hashlib.sha256(attempt_id.encode()).digest()[:8], "big")
    return random.Random(seed).sample(bank, wanted)


def check_answers(question_ids: Sequence[str], answers: Mapping[str, int]) -> None:
    """Reject answers to questions outside the attempt or choices that do not exist."""
    asked = set(question_ids)
    strangers = sorted(set(answers) - asked)
    if strangers:
        raise RuleViolation(
            f"answers to questions not in this attempt: {', '.join(strangers)}", "invalid_answers"
        )
    for qid, choice in answers.items():
        if isinstance(choice, bool) or not isinstance(choice, int) or not 0 <= choice <= 3:
            raise RuleViolation(
                f"the answer to {qid} must be a choice index 0..3", "invalid_answers"
            )


def score(course: Course, question_ids: Sequence[str], answers: Mapping[str, int]) -> int:
    """Count correct answers; an unanswered question counts as wrong."""
    check_answers(question_ids, answers)
    return sum(
        1 for qid in question_ids if qid in answers and course.questions[qid].answer == answers[qid]
    )
