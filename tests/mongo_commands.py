"""Counting the commands a MongoDB client sends: how many round trips work costs."""

from __future__ import annotations

from collections import Counter

from pymongo import monitoring


class CommandCounter(monitoring.CommandListener):
    """Pass as `event_listeners=[counter]`; `seen` counts started commands by name."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.seen[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None: ...

    def failed(self, event: monitoring.CommandFailedEvent) -> None: ...
