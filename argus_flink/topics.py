"""The topics of the contracts, with production and local partition counts.

Local counts are smaller but never one everywhere: several partitions per input topic keep
watermark alignment and idle-partition handling exercised on a laptop.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DAY_MS = 24 * 60 * 60 * 1000


class Topic(StrEnum):
    CODEBASE_INGESTED = "argus.codebase.ingested"
    CODEBASE_ANALYZED = "argus.codebase.analyzed"
    TEST_CREATED = "argus.test.created"
    TEST_EXECUTED = "argus.test.executed"
    TEST_FAILED = "argus.test.failed"
    ERROR_REPORTED = "argus.error.reported"
    HEALING_REQUESTED = "argus.healing.requested"
    HEALING_COMPLETED = "argus.healing.completed"
    INSIGHT_GENERATED = "argus.insight.generated"
    DLQ = "argus.dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    local_partitions: int
    retention_days: int
    compacted: bool = False


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(Topic.CODEBASE_INGESTED, 12, 3, 7),
    TopicSpec(Topic.CODEBASE_ANALYZED, 12, 3, 30, compacted=True),
    TopicSpec(Topic.TEST_CREATED, 6, 2, 7),
    TopicSpec(Topic.TEST_EXECUTED, 12, 3, 30),
    TopicSpec(Topic.TEST_FAILED, 6, 3, 90),
    TopicSpec(Topic.ERROR_REPORTED, 6, 3, 30),
    TopicSpec(Topic.HEALING_REQUESTED, 3, 2, 7),
    TopicSpec(Topic.HEALING_COMPLETED, 3, 2, 30),
    TopicSpec(Topic.INSIGHT_GENERATED, 6, 3, 90),
    TopicSpec(Topic.DLQ, 3, 2, 30),
)

# Above the 1 MiB payload limit the jobs enforce, so an oversized record reaches the job and
# is dead-lettered with `payload_too_large` instead of being refused by the broker.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


def topic_config(topic: TopicSpec) -> dict[str, str]:
    return {
        "retention.ms": str(topic.retention_days * DAY_MS),
        "cleanup.policy": "compact" if topic.compacted else "delete",
        "max.message.bytes": str(MAX_MESSAGE_BYTES),
    }
