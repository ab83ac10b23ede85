"""Prometheus metrics shared by the services; each service runs in its own process."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

EVENTS_CONSUMED = Counter(
    "hocvuso_events_consumed_total", "Events handled by a consumer", ["service", "type"]
)
EVENTS_PUBLISHED = Counter(
    "hocvuso_events_published_total", "Events published to Kafka", ["service", "type"]
)
DEAD_LETTERS = Counter(
    "hocvuso_dead_letters_total", "Records sent to the dead-letter topic", ["service", "topic"]
)
REJECTED_COMMANDS = Counter(
    "hocvuso_rejected_commands_total", "Requests refused by a course rule", ["service", "rule"]
)
BATCH_SECONDS = Histogram(
    "hocvuso_consumer_batch_seconds", "Time to handle one consumed batch", ["service"]
)
