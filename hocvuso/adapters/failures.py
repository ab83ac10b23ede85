"""The one error taxonomy of the consumers and the HTTP shell.

A failure is either *transient* — a database or broker that does not answer now and will
later — or *permanent*: the record or request itself can never succeed (it does not decode,
breaks the contract, or a course rule refuses it). Transient failures are waited out with
one shared backoff and never dead-letter anything; permanent ones dead-letter the record
once and let its partition move on.
"""

from __future__ import annotations

import asyncio

from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from pymongo.errors import ConnectionFailure, OperationFailure, WriteConcernError

# MongoDB codes that mean "not now": shutting down, not primary, interrupted, lock timeouts.
_TRANSIENT_MONGO_CODES = frozenset({6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435})


class Unavailable(RuntimeError):
    """A dependency of ours is not answering; try again later."""


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, Unavailable | ConnectionFailure | WriteConcernError):
        return True
    if isinstance(exc, KafkaConnectionError | KafkaTimeoutError):
        return True
    if isinstance(exc, KafkaError):
        return bool(getattr(exc, "retriable", False))
    if isinstance(exc, OperationFailure):
        if exc.has_error_label("RetryableWriteError") or exc.code in _TRANSIENT_MONGO_CODES:
            return True
        return "locked" in str(exc).lower()  # nx-27017 passes SQLite's busy errors on
    return isinstance(exc, TimeoutError | asyncio.TimeoutError | ConnectionError)
