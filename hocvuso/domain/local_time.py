"""The province's clock: days, years and deadlines are Vietnam's (UTC+07:00 all year)."""

from __future__ import annotations

from datetime import timedelta, timezone

# Vietnam keeps no daylight saving time, so a fixed offset is exact and needs no tz data.
VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
