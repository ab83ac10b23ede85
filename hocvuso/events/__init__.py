"""The event contract, version 1: payload types, their topics and the Kafka envelope."""
