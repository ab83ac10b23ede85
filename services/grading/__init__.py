"""The grading service."""
