"""Who has finished and who has not, for a unit or a commune: the rows of the lists a
manager works from (letter 000 asks for those not done, and ties results to year-end
evaluation), from the learners enrollment keeps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from hocvuso.domain.course import Course
from hocvuso.domain.enrollment import Learner

Sort = Literal["name", "topics", "content", "last_active"]


@dataclass(frozen=True, slots=True)
class Row:
    learner_id: str
    full_name: str
    birth_year: int | None
    category: str
    unit_code: str | None
    commune_code: str
    village: str | None
    topics_completed: int
    content_percent: int  # the mean of the course's lessons, as reported
    last_active_at: datetime | None
    certificate_id: str | None


def row(learner: Learner, course: Course) -> Row:
    lessons = [lesson.id for topic in course.topics for lesson in topic.lessons]
    content = sum(learner.lessons.get(lid, 0) for lid in lessons) // max(1, len(lessons))
    p = learner.profile
    return Row(
        learner.learner_id,
        p.full_name,
        p.birth_year,
        p.category,
        p.unit_code,
        p.commune_code,
        p.village,
        len(learner.completed_topics & set(course.topic_numbers)),
        content,
        learner.last_active_at or learner.registered_at,
        learner.certificate_id,
    )


def listed(rows: Iterable[Row], finished: bool, sort: Sort, descending: bool) -> list[Row]:
    """The finished (certified) or the unfinished, sorted; names alphabetically as a tie."""
    chosen = [r for r in rows if (r.certificate_id is not None) == finished]
    chosen.sort(key=lambda r: r.full_name.casefold())
    key = {
        "name": lambda r: r.full_name.casefold(),
        "topics": lambda r: r.topics_completed,
        "content": lambda r: r.content_percent,
        "last_active": lambda r: r.last_active_at.timestamp() if r.last_active_at else 0.0,
    }[sort]
    chosen.sort(key=key, reverse=descending)  # stable: the name order stays within ties
    return chosen


CSV_HEADERS: Sequence[tuple[str, str]] = (
    ("full_name", "Họ và tên"),
    ("birth_year", "Năm sinh"),
    ("category", "Đối tượng"),
    ("unit_code", "Cơ quan, đơn vị"),
    ("commune_code", "Xã, phường"),
    ("village", "Thôn, tổ dân phố"),
    ("topics_completed", "Số chuyên đề hoàn thành"),
    ("content_percent", "Tiến độ nội dung (%)"),
    ("last_active_at", "Hoạt động gần nhất"),
    ("certificate_id", "Số chứng nhận"),
)
