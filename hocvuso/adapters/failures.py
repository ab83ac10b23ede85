"""The one error taxonomy of the consumers and the HTTP shell.

A failure is either *transient* — a database or broker that does not answer now and will
later — or *permanent*: the record or request itself can never succeed (it does not decode,
breaks the contract, or a course rule refuses it). Transient failures are waited out with
one shared backoff and never dead-letter anything; permanent ones dead-letter the record
once and let its partition move on.

The database driver's errors count as transient unless they say the request itself is
wrong: dead-lettering a good event because the database misbehaved would lose it.
"""

from __future__ import annotations

import asyncio

from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from pymongo.errors import (
    ConfigurationError,
    DocumentTooLarge,
    DuplicateKeyError,
    InvalidOperation,
    PyMongoError,
)

# Driver errors about the request, not the database: trying again cannot help.
_PERMANENT_DRIVER_ERRORS = (
    DuplicateKeyError,
    DocumentTooLarge,
    InvalidOperation,
    ConfigurationError,
)


class Unavailable(RuntimeError):
    """A dependency of ours is not answering; try again later."""


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, Unavailable):
        return True
    if isinstance(exc, PyMongoError):
        return not isinstance(exc, _PERMANENT_DRIVER_ERRORS)
    if isinstance(exc, KafkaConnectionError | KafkaTimeoutError):
        return True
    if isinstance(exc, KafkaError):
        return bool(getattr(exc, "retriable", False))
    return isinstance(exc, TimeoutError | asyncio.TimeoutError | ConnectionError)


def always(_: BaseException) -> bool:
    """For work that cannot be dead-lettered: whatever the failure, try again later."""
    return True
