"""failure_rate_spike on hand-made windows: crossing, minimum volume, warm-up, cool-down, TTL."""

from __future__ import annotations

import math

import pytest

from argus_flink.contracts import AnomalyKind, Severity
from udfs.anomaly.failure_rate import FailureRateBaseline, window_start
from udfs.anomaly.thresholds import FailureRateThresholds

T = FailureRateThresholds()
TTL = 7 * 24 * 3_600_000
W = T.window_ms
T0 = 1_772_409_600_000  # 2026-03-02T00:00:00Z, a window boundary


def close(baseline: FailureRateBaseline, index: int, runs: int, failures: int):
    return baseline.close_window("org", "proj", T0 + index * W, runs, failures, T, TTL)


def warmed_up(rate_failures: int = 1, runs: int = 40, windows: int = 6) -> FailureRateBaseline:
    baseline = FailureRateBaseline()
    for index in range(windows):
        assert close(baseline, index, runs, rate_failures) is None
    return baseline


def test_windows_are_aligned_to_the_epoch():
    assert window_start(T0 + 123_456, W) == T0
    assert window_start(T0 + W, W) == T0 + W


def test_a_spike_over_the_threshold_is_flagged_with_its_window_and_scores():
    baseline = warmed_up()
    flag = close(baseline, 6, 40, 30)
    mean = 1 / 40
    sigma = math.sqrt(mean * (1 - mean) / 40)
    assert flag is not None
    assert (flag.kind, flag.subject, flag.org_id, flag.project_id) == (
        AnomalyKind.FAILURE_RATE_SPIKE, "proj", "org", "proj")
    assert flag.observed == 0.75
    assert flag.baseline == pytest.approx(mean)
    assert flag.score == pytest.approx((0.75 - mean) / sigma)
    assert flag.severity is Severity.HIGH
    assert (flag.window_start, flag.window_end) == (T0 + 6 * W, T0 + 7 * W)
    assert flag.incident_start == T0 + 6 * W
    assert flag.detected_at == T0 + 7 * W


def test_severity_follows_the_added_failure_rate():
    assert close(warmed_up(0), 6, 40, 8).severity is Severity.LOW  # +20 points
    assert close(warmed_up(0), 6, 40, 14).severity is Severity.MEDIUM  # +35 points


def test_a_window_below_the_minimum_volume_is_neither_judged_nor_learned():
    baseline = warmed_up()
    before = (baseline.mean, baseline.variance, baseline.windows)
    assert close(baseline, 6, T.min_runs - 1, T.min_runs - 1) is None
    assert (baseline.mean, baseline.variance, baseline.windows) == before


def test_no_flag_during_warm_up():
    baseline = warmed_up(windows=T.warmup_windows - 1)
    assert close(baseline, 5, 40, 40) is None


def test_a_significant_but_small_increase_is_not_an_incident():
    baseline = warmed_up(0)
    # z = 0.1 / min_sigma = 5 > z_open, but +10 points is below min_increase.
    assert close(baseline, 6, 40, 4) is None


def test_one_flag_per_incident_with_cool_down_and_a_new_flag_after_it():
    baseline = warmed_up()
    assert close(baseline, 6, 40, 30) is not None
    assert close(baseline, 7, 40, 30) is None  # same incident
    assert close(baseline, 8, 40, 1) is None  # calm: cool-down starts at this window's end
    assert close(baseline, 9, 40, 30) is None  # relapse within the hour: same incident
    assert close(baseline, 10, 40, 1) is None  # calm again, cooling until end of window 10 + 1 h
    for index in range(11, 17):
        assert close(baseline, index, 40, 1) is None
    again = close(baseline, 17, 40, 30)
    assert again is not None
    assert again.incident_start == T0 + 17 * W


def test_the_baseline_does_not_learn_the_spike():
    baseline = warmed_up()
    close(baseline, 6, 40, 30)
    close(baseline, 7, 40, 30)
    assert baseline.mean == pytest.approx(1 / 40)


def test_a_project_silent_for_longer_than_the_ttl_starts_over():
    baseline = warmed_up()
    after_gap = TTL // W + 7
    # The old baseline is forgotten: this window is the first of a new warm-up.
    assert close(baseline, after_gap, 40, 30) is None
    assert (baseline.windows, baseline.mean) == (1, 0.75)


def test_state_round_trips_through_its_flat_values():
    baseline = warmed_up()
    close(baseline, 6, 40, 30)
    copy = FailureRateBaseline.from_values(baseline.to_values())
    assert copy == baseline
