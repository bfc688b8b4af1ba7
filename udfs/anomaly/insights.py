"""A flag as the contracts' anomaly Insight and as a row of the ``anomalies`` table.

The insight id hashes the type, tenant, kind, subject and the incident's start, so a replay
from a savepoint or from the beginning of the topics produces the same ids, and every output
field is a function of event time (``generated_at`` is when the evidence was complete), so a
replayed insight is byte-for-byte the one already delivered.
"""

from __future__ import annotations

from datetime import UTC, datetime

from argus_flink.contracts import (
    AnomalyPayload,
    Insight,
    InsightType,
    format_timestamp,
    stable_insight_id,
)
from udfs.anomaly.records import AnomalyFlag


def from_epoch_ms(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


def insight_id(flag: AnomalyFlag) -> str:
    return stable_insight_id(InsightType.ANOMALY, flag.org_id, flag.kind.value, flag.subject,
                             format_timestamp(from_epoch_ms(flag.incident_start)))


def to_insight(flag: AnomalyFlag) -> Insight:
    return Insight(
        insight_id=insight_id(flag),
        insight_type=InsightType.ANOMALY,
        org_id=flag.org_id,
        project_id=flag.project_id,
        window_start=from_epoch_ms(flag.window_start),
        window_end=from_epoch_ms(flag.window_end),
        generated_at=from_epoch_ms(flag.detected_at),
        payload=AnomalyPayload(
            anomaly_kind=flag.kind, subject=flag.subject, observed=flag.observed,
            baseline=flag.baseline, score=flag.score, severity=flag.severity),
    )


#: Columns of the job's ``anomalies`` rows before the sink converts times (epoch ms).
ANOMALY_ROW_FIELDS = ("insight_id", "org_id", "project_id", "anomaly_kind", "subject",
                      "observed", "baseline", "score", "severity", "window_start_ms",
                      "detected_at_ms")


def anomaly_row_values(flag: AnomalyFlag) -> tuple:
    return (insight_id(flag), flag.org_id, flag.project_id, flag.kind.value, flag.subject,
            flag.observed, flag.baseline, flag.score, flag.severity.value, flag.window_start,
            flag.detected_at)
