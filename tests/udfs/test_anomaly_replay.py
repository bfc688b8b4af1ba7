"""The plain-Python pipeline: event-time order, redeliveries, late events, end of input."""

from __future__ import annotations

from udfs.anomaly.records import ErrorReport, TestRun
from udfs.anomaly.replay import Replay
from udfs.anomaly.thresholds import Thresholds

T0 = 1_772_409_600_000  # 2026-03-02T00:00:00Z
DELAY = 60_000


def flaky_runs(every_ms: int = 10_000) -> list[TestRun]:
    statuses = ["passed", "failed"] * 4
    return [TestRun("org", "proj", "test-1", f"e{i}", "sha", status, 100, T0 + i * every_ms)
            for i, status in enumerate(statuses)]


def replay(records) -> tuple[list, Replay]:
    engine = Replay(Thresholds(), DELAY)
    flags = []
    for record in records:
        flags += engine.add(record)
    return flags + engine.finish(), engine


def test_out_of_order_runs_within_the_delay_are_judged_in_event_time_order():
    ordered, _ = replay(flaky_runs())
    runs = flaky_runs()
    swapped = [runs[i ^ 1] for i in range(len(runs))]  # every pair arrives reversed
    shuffled, engine = replay(swapped)
    assert engine.late == 0
    assert shuffled == ordered
    assert len(ordered) == 1


def test_a_redelivered_event_counts_once():
    runs = flaky_runs()
    once, _ = replay(runs)
    twice, _ = replay([run for run in runs for _ in range(2)])
    assert twice == once


def test_events_behind_the_watermark_are_dropped_as_late():
    runs = flaky_runs(every_ms=DELAY)
    late = TestRun("org", "proj", "test-2", "late", "sha", "failed", 100, T0)
    _, engine = replay([*runs, late])
    assert engine.late == 1


def test_end_of_input_closes_the_open_windows():
    errors = [ErrorReport("org", "proj", f"err-{i}", T0 + i) for i in range(12)]
    flags, engine = replay(errors)
    assert [flag.kind.value for flag in flags] == ["error_burst"]
    assert engine.state_counts() == {"tests": 0, "projects": 0, "error_projects": 1}
