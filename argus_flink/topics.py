"""The topics of the contracts, with production and local partition counts.

Local counts are smaller but never one everywhere: several partitions per input topic keep
watermark alignment and idle-partition handling exercised on a laptop.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    local_partitions: int
    retention_days: int
    compacted: bool = False


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

TOPICS: tuple[Topic, ...] = (
    Topic(CODEBASE_INGESTED, 12, 3, 7),
    Topic(CODEBASE_ANALYZED, 12, 3, 30, compacted=True),
    Topic(TEST_CREATED, 6, 2, 7),
    Topic(TEST_EXECUTED, 12, 3, 30),
    Topic(TEST_FAILED, 6, 3, 90),
    Topic(ERROR_REPORTED, 6, 3, 30),
    Topic(HEALING_REQUESTED, 3, 2, 7),
    Topic(HEALING_COMPLETED, 3, 2, 30),
    Topic(INSIGHT_GENERATED, 6, 3, 90),
    Topic(DLQ, 3, 2, 30),
)

INPUT_TOPICS = tuple(t.name for t in TOPICS if t.name not in (INSIGHT_GENERATED, DLQ))


def topic_config(topic: Topic) -> dict[str, str]:
    return {
        "retention.ms": str(topic.retention_days * DAY_MS),
        "cleanup.policy": "compact" if topic.compacted else "delete",
    }
