"""The province's clock: days, years and deadlines are Vietnam's (UTC+07:00 all year)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

# Vietnam keeps no daylight saving time, so a fixed offset is exact and needs no tz data.
VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def next_midnight(moment: datetime) -> datetime:
    """The start of the Vietnamese calendar day after `moment`'s."""
    local = moment.astimezone(VIETNAM)
    return datetime.combine(local.date() + timedelta(days=1), time(), VIETNAM)
