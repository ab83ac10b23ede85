"""Adapters between the pure core and the outside: Kafka, MongoDB, HTTP, metrics."""
