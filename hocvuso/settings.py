"""Configuration, read from HOCVUSO_* environment variables (nested with "__")."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORTS = {"enrollment": 8001, "grading": 8002, "certs": 8003, "stats": 8004}


class KafkaSettings(BaseModel):
    bootstrap_servers: str = "localhost:9092"
    # Tansu, the local broker, cannot hand out producer ids, so idempotent producers fail.
    local_broker: bool = False
    partitions: int = Field(default=8, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    # Tansu holds an empty fetch for about half of this and is not woken by new data,
    # so it bounds the latency of every hop.
    fetch_max_wait_ms: int = Field(default=100, ge=1)
    session_timeout_ms: int = Field(default=6000, ge=1000)
    request_timeout_ms: int = Field(default=30000, ge=1000)
    # Static group membership: a process restarted with the same id takes its partitions
    # back at once instead of waiting for its old session to expire. Give each replica a
    # stable, unique name (a StatefulSet pod name; the local stack uses the process name).
    instance_id: str | None = None
    # A consumer with lag that has handled nothing for this long counts as stalled.
    stall_after_seconds: float = Field(default=30.0, gt=0)


class MongoSettings(BaseModel):
    url: str = "mongodb://localhost:27017"
    database_prefix: str = "hocvuso"
    # An accepted request survives the loss of the primary: acknowledged by a majority,
    # journaled (nx-27017 accepts it and commits to its file).
    write_concern: dict[str, str | int | bool] = {"w": "majority", "j": True}

    def database(self, owner: str) -> str:
        return f"{self.database_prefix}_{owner}"


class HttpSettings(BaseModel):
    host: str = "0.0.0.0"
    port: int | None = None
    # The database work of one request must finish within this, or the answer is a 503:
    # a client is never left hanging on a stalled dependency.
    request_timeout_seconds: float = Field(default=1.5, gt=0)


class EnrollmentSettings(BaseModel):
    # Relayed events are cleared from their learner's document by its next write, or by a
    # write of their own once this long has passed; a crash in between publishes them
    # again (same ce_id), so this bounds the duplicates a crash causes.
    outbox_clear_delay_seconds: float = Field(default=2.0, ge=0)
    # Learners kept in memory as last read or written (~4 KB each with a few lessons and
    # an attempt): a change to one of them costs one round trip, to any other two.
    cached_learners: int = Field(default=30_000, ge=1)


class CourseSettings(BaseModel):
    # When the province closes a course version ({"v1": "2025-12-31T23:59:59+07:00"}): from
    # then on nobody registers for it and no attempt starts. A version not named stays open.
    closes_at: dict[str, datetime] = {}
    # No daily attempt limit and no cool-down, for load simulations and tests that retake
    # a quiz at once; never in production. How long an attempt stays open is kept.
    unlimited_attempts: bool = False


class AuthSettings(BaseModel):
    # The identity provider's public keys: a JWKS file or an http(s) URL. Routes that need
    # a token refuse every request while this is unset (`make run` sets its own).
    jwks: str | None = None
    issuer: str | None = None  # required with `jwks`: the `iss` every token must carry
    audience: str = "hocvuso"
    jwks_cache_seconds: float = Field(default=300, gt=0)
    leeway_seconds: float = Field(default=30, ge=0)  # clock skew allowed on exp/nbf/iat


class CertsSettings(BaseModel):
    signing_key_file: Path | None = None
    issuer: str = "https://binhdanhocvuso.quangngai.gov.vn"


class StatsSettings(BaseModel):
    # Learners' facts kept in memory per partition; the rest are read from local disk.
    cached_learners_per_partition: int = Field(default=20_000, ge=0)
    # How often the read model the API serves is refreshed from the counting state.
    publish_interval_seconds: float = Field(default=0.25, gt=0)


def _default_state_dir() -> Path:
    return Path(tempfile.gettempdir()) / "hocvuso-state"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HOCVUSO_", env_nested_delimiter="__", extra="ignore"
    )

    kafka: KafkaSettings = KafkaSettings()
    mongo: MongoSettings = MongoSettings()
    http: HttpSettings = HttpSettings()
    auth: AuthSettings = AuthSettings()
    course: CourseSettings = CourseSettings()
    enrollment: EnrollmentSettings = EnrollmentSettings()
    certs: CertsSettings = CertsSettings()
    stats: StatsSettings = StatsSettings()
    # Local operator state (stats' counting state): one directory per process, never
    # shared by two running instances; losing it costs a rebuild from the event log.
    state_dir: Path = Field(default_factory=_default_state_dir)

    def port_for(self, service: str) -> int:
        return self.http.port or DEFAULT_PORTS[service]
