"""What anomaly-flags must write, from the plain-Python replay of the same records.

The replay runs the job's detector code in event time without Flink; on a bounded input the
job's `anomalies` rows equal the replay's, column for column (tests/jobs/test_anomaly_flags.py
checks that on every run), so it stands in for a failure-free run of the job.
"""

from __future__ import annotations

from collections.abc import Iterable

from argus_flink.contracts import DeadLetter, parse
from jobs.anomaly_flags import INPUT_TOPICS
from udfs.anomaly.insights import anomaly_row_values, from_epoch_ms
from udfs.anomaly.records import AnomalyFlag, ErrorReport, TestRun
from udfs.anomaly.replay import Replay
from udfs.anomaly.thresholds import Thresholds

WATERMARK_DELAY_MS = 30_000  # the job's default


def replayed_flags(records: Iterable[tuple[str, bytes]],
                   skip_orgs: frozenset[str] = frozenset()) -> list[AnomalyFlag]:
    """The flags of (topic, value) records in this order, the bounded input then ending."""
    replay = Replay(Thresholds(), watermark_delay_ms=WATERMARK_DELAY_MS)
    flags: list[AnomalyFlag] = []
    for topic, value in records:
        parsed = parse(topic, value)
        if (isinstance(parsed, DeadLetter) or topic not in INPUT_TOPICS
                or parsed.event.org_id in skip_orgs):
            continue
        event = parsed.event
        flags += replay.add(TestRun.from_event(event) if topic == INPUT_TOPICS[0]
                            else ErrorReport.from_event(event))
    return flags + replay.finish()


def anomaly_table_rows(flags: Iterable[AnomalyFlag]) -> dict[str, tuple]:
    """insight_id -> the whole `anomalies` row, as PostgreSQL returns it."""
    rows = {}
    for flag in flags:
        *values, window_start, detected_at = anomaly_row_values(flag)
        rows[values[0]] = (*values, from_epoch_ms(window_start), from_epoch_ms(detected_at))
    return rows
