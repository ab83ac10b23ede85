"""Which moment a figure is asked for: now, or `as_of` a moment of the campaign."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from hocvuso.domain.local_time import VIETNAM


class InvalidMoment(ValueError):
    """An `as_of` that names no moment of the campaign (a 400)."""


@dataclass(frozen=True, slots=True)
class Moment:
    """`second`: the figures over every event appended at or before the end of this epoch
    second (log time); None: the live figures. `year`: the report year (adults)."""

    second: int | None
    year: int


def live(now: datetime) -> Moment:
    return Moment(None, now.astimezone(VIETNAM).year)


def moment(asked: datetime, campaign_start: datetime, now: datetime) -> Moment:
    """The moment `as_of` asks for, to the second (a fraction is dropped): history is kept
    per second."""
    if asked.tzinfo is None:
        raise InvalidMoment("as_of needs a UTC offset, e.g. 2025-11-11T09:00:00+07:00")
    if asked > now:
        raise InvalidMoment(f"as_of {asked.isoformat()} is in the future")
    if asked < campaign_start:
        raise InvalidMoment(
            f"as_of {asked.isoformat()} is before the campaign began "
            f"({campaign_start.isoformat()}): there is nothing to count"
        )
    return Moment(math.floor(asked.timestamp()), asked.astimezone(VIETNAM).year)
