"""Every Prometheus metric hocvuso exports, in one place and one naming scheme."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter(
    "hocvuso_events_consumed_total", "Events handled by a consumer", ["service", "type"]
)
EVENTS_PUBLISHED = Counter(
    "hocvuso_events_published_total", "Events published to Kafka", ["service", "type"]
)
DEAD_LETTERS = Counter(
    "hocvuso_dead_letters_total",
    "Records sent to the dead-letter topic; a burst shows as a rise in its rate",
    ["service", "topic"],
)
TRANSIENT_FAILURES = Counter(
    "hocvuso_transient_failures_total",
    "Failures of a dependency that were waited out and retried, by what was being done",
    ["operation"],
)
IGNORED_DECISIONS = Counter(
    "hocvuso_ignored_decisions_total",
    "Decisions another service published about a learner this service does not know",
    ["service"],
)
REJECTED_COMMANDS = Counter(
    "hocvuso_rejected_commands_total", "Requests refused by a course rule", ["service", "rule"]
)
BATCH_SECONDS = Histogram(
    "hocvuso_consumer_batch_seconds", "Time to handle one consumed batch", ["service"]
)
CONSUMER_LAG = Gauge(
    "hocvuso_consumer_lag",
    "Records on the consumer's partitions not yet handled",
    ["service", "consumer"],
)
CONSUMER_LAST_PROGRESS = Gauge(
    "hocvuso_consumer_last_progress_timestamp_seconds",
    "Unix time at which the consumer last handled a record (or started)",
    ["service", "consumer"],
)
CONSUMER_STALLED = Gauge(
    "hocvuso_consumer_stalled",
    "1 when the consumer has lag and has made no progress for the stall time",
    ["service", "consumer"],
)
OUTBOX_PENDING = Gauge(
    "hocvuso_outbox_pending_events",
    "Accepted events not yet handed to Kafka by the outbox relay",
    ["service"],
)
