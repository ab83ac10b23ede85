"""The stored forms of core values: MongoDB documents and faust table bytes."""

from __future__ import annotations

from collections.abc import Mapping

from hocvuso.domain.progress import AttemptResult, Progress


def progress_to_dict(progress: Progress) -> dict[str, object]:
    return {
        "course_version": progress.course_version,
        "lessons": dict(progress.lessons),
        "attempts": {k: vars(v) for k, v in progress.attempts.items()},
        "certificate_id": progress.certificate_id,
    }


def progress_from_dict(data: Mapping) -> Progress:
    return Progress(
        course_version=data["course_version"],
        lessons={k: int(v) for k, v in data.get("lessons", {}).items()},
        attempts={k: AttemptResult(**v) for k, v in data.get("attempts", {}).items()},
        certificate_id=data.get("certificate_id"),
    )
