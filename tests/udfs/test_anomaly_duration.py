"""duration_regression on hand-made run sequences: a sustained jump, not a single slow run."""

from __future__ import annotations

import math

import pytest

from argus_flink.contracts import AnomalyKind, Severity
from udfs.anomaly.duration_regression import DurationBaseline, robust_center
from udfs.anomaly.records import TestRun
from udfs.anomaly.thresholds import DurationThresholds

T = DurationThresholds()
TTL = 7 * 24 * 3_600_000
T0 = 1_772_409_600_000  # 2026-03-02T00:00:00Z
EVERY = 600_000  # one run every 10 minutes


def run(index: int, duration_ms: int, status: str = "passed") -> TestRun:
    return TestRun("org", "proj", "test-1", f"e{index}", "sha", status, duration_ms,
                   T0 + index * EVERY)


def feed(baseline: DurationBaseline, durations, first: int = 0, status: str = "passed"):
    return [baseline.observe(run(first + i, d, status), T, TTL) for i, d in enumerate(durations)]


def steady(runs: int = 10) -> DurationBaseline:
    baseline = DurationBaseline()
    assert feed(baseline, [100] * runs) == [None] * runs
    return baseline


def test_robust_center_ignores_one_outlier():
    center, sigma = robust_center([math.log(v) for v in (100, 101, 99, 100, 5000)], 0.05)
    assert math.exp(center) == pytest.approx(100)
    assert sigma == pytest.approx(0.05)  # the floor: the MAD of the rest is ~1%


def test_three_slow_runs_in_a_row_are_flagged_on_the_third():
    baseline = steady()
    flags = feed(baseline, [400, 400, 400], first=10)
    assert flags[:2] == [None, None]
    flag = flags[2]
    assert flag is not None
    assert (flag.kind, flag.subject) == (AnomalyKind.DURATION_REGRESSION, "test-1")
    assert flag.observed == pytest.approx(400)
    assert flag.baseline == pytest.approx(100)
    assert flag.score == pytest.approx(math.log(4) / T.min_sigma)
    assert flag.severity is Severity.HIGH
    assert (flag.incident_start, flag.window_start) == (run(10, 0).event_time,) * 2
    assert flag.window_end == flag.detected_at == run(12, 0).event_time


def test_a_single_slow_run_or_an_interrupted_streak_is_not_a_regression():
    baseline = steady()
    assert feed(baseline, [400, 100, 400, 400, 100, 400], first=10) == [None] * 6


def test_a_small_slowdown_of_a_steady_test_is_not_a_regression():
    baseline = steady()
    assert feed(baseline, [140] * 5, first=10) == [None] * 5  # +40% < min_ratio


def test_nothing_is_judged_before_the_minimum_history():
    baseline = DurationBaseline()
    assert feed(baseline, [100] * (T.min_history - 3) + [400, 400, 400]) == [None] * T.min_history


def test_failed_runs_do_not_count_a_timeout_is_not_a_regression():
    baseline = steady()
    assert feed(baseline, [30_000] * 5, first=10, status="failed") == [None] * 5
    assert len(baseline.recent) == 10


def test_the_new_duration_becomes_the_norm_and_the_cool_down_holds_back_a_relapse():
    baseline = steady()
    assert feed(baseline, [400] * 3, first=10)[2] is not None
    # The incident stays open while the baseline learns the new level, then calms down.
    assert feed(baseline, [400] * 17, first=13) == [None] * 17
    assert baseline.incident.phase == 2  # cooling
    # Another 4x jump within the 6 h cool-down is the same incident.
    assert feed(baseline, [1600] * 3, first=30) == [None] * 3


def test_after_the_cool_down_a_new_regression_is_flagged():
    baseline = steady()
    feed(baseline, [400] * 20, first=10)
    later = 30 + T.cooldown_s * 1000 // EVERY
    feed(baseline, [400] * 10, first=later)
    assert feed(baseline, [1600] * 3, first=later + 10)[2] is not None


def test_a_test_silent_for_longer_than_the_ttl_starts_over():
    baseline = steady()
    after_gap = 10 + TTL // EVERY + 1
    assert feed(baseline, [400] * 3, first=after_gap) == [None] * 3
    assert len(baseline.recent) == 3


def test_state_round_trips_through_its_flat_values():
    baseline = steady()
    feed(baseline, [400, 400], first=10)
    assert DurationBaseline.from_values(baseline.to_values()) == baseline
