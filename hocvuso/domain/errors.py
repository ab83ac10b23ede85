"""Errors the core raises that the shells must tell apart from outages."""

from __future__ import annotations


class Unprocessable(ValueError):
    """This record can never be processed: its content is wrong, not the moment.

    Retrying would fail the same way every time, so a consumer sends the record to the
    dead-letter topic and moves on, instead of blocking its partition.
    """
