"""The per-test detectors together, fed one run at a time in event-time order.

Both detectors judge sequences, so the order of runs matters. Runs are held back until the
watermark passes them and then released sorted by event time (ties by event id), which makes
the result independent of arrival order and drops a redelivered event (same event id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from udfs.anomaly.duration_regression import DurationBaseline
from udfs.anomaly.flaky_test import FlipHistory
from udfs.anomaly.records import AnomalyFlag, TestRun
from udfs.anomaly.thresholds import Thresholds


def due_in_order(pending: Iterable[TestRun], until: int) -> tuple[list[TestRun], list[TestRun]]:
    """(runs at or before ``until`` in event-time order, without redeliveries; the runs still
    in the future)."""
    due: dict[str, TestRun] = {}
    later = []
    for run in pending:
        if run.event_time > until:
            later.append(run)
        else:
            due.setdefault(run.event_id, run)
    return sorted(due.values(), key=lambda run: (run.event_time, run.event_id)), later


@dataclass(slots=True)
class TestHistory:
    """What the job keeps per (org, test)."""

    __test__ = False  # not a pytest test class despite the name

    duration: DurationBaseline = field(default_factory=DurationBaseline)
    flips: FlipHistory = field(default_factory=FlipHistory)

    def observe(self, run: TestRun, t: Thresholds) -> list[AnomalyFlag]:
        flags = [self.duration.observe(run, t.duration, t.state_ttl_ms),
                 self.flips.observe(run, t.flaky, t.state_ttl_ms)]
        return [flag for flag in flags if flag is not None]
