"""The course versions packaged with hocvuso, read from their JSON files."""

from __future__ import annotations

from hocvuso.domain.course import packaged_catalog

__all__ = ["packaged_catalog"]
