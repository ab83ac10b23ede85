"""The `as_of` query parameter of stats' figures, and reading counts at that moment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from hocvuso.adapters.repositories import CounterStore
from hocvuso.domain.as_of import InvalidMoment, Moment, live, moment
from hocvuso.domain.counters import Counts

AS_OF_DOC = (
    "ISO 8601 with a UTC offset (`2025-11-11T09:00:00+07:00`): the figures over every event "
    "appended to the log at or before that moment, to the second, read from the counters' "
    "kept history. Absent: the live figures. A moment in the future or before the campaign "
    "began is a 400. Denominators (headcounts, populations) are the ones entered now."
)


def _invalid(reason: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", "as_of"), "msg": reason}])


async def _moment(
    request: Request, as_of: Annotated[str | None, Query(description=AS_OF_DOC)] = None
) -> Moment:
    now = datetime.now(UTC)
    if as_of is None:
        return live(now)
    try:
        asked = datetime.fromisoformat(as_of)
    except ValueError:
        raise _invalid(f"as_of {as_of!r} is not an ISO 8601 date and time") from None
    try:
        return moment(asked, request.app.state.campaign_start, now)
    except InvalidMoment as exc:
        raise _invalid(str(exc)) from None


At = Annotated[Moment, Depends(_moment)]


async def counts_at(request: Request, scope: str, at: Moment) -> Counts:
    store: CounterStore = request.app.state.store
    if at.second is None:
        return await store.totals(scope)
    return await store.totals_as_of(scope, at.second)
