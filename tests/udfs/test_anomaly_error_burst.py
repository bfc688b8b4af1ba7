"""error_burst on hand-made window counts: crossing, minimum count, quiet windows, cool-down."""

from __future__ import annotations

import pytest

from argus_flink.contracts import AnomalyKind, Severity
from udfs.anomaly.error_burst import ErrorRateBaseline
from udfs.anomaly.thresholds import ErrorBurstThresholds

T = ErrorBurstThresholds()
TTL = 7 * 24 * 3_600_000
W = T.window_ms
T0 = 1_772_409_600_000  # 2026-03-02T00:00:00Z


def close(baseline: ErrorRateBaseline, index: int, errors: int):
    return baseline.close_window("org", "proj", T0 + index * W, errors, T, TTL)


def test_a_burst_without_history_is_flagged():
    flag = close(ErrorRateBaseline(), 0, 15)
    assert flag is not None
    assert (flag.kind, flag.subject) == (AnomalyKind.ERROR_BURST, "proj")
    assert (flag.observed, flag.baseline, flag.score) == (15.0, 0.0, 15.0)
    assert flag.severity is Severity.MEDIUM
    assert (flag.window_start, flag.window_end, flag.detected_at) == (T0, T0 + W, T0 + W)


def test_fewer_than_the_minimum_errors_are_not_a_burst():
    assert close(ErrorRateBaseline(), 0, T.min_errors - 1) is None


def test_a_noisy_project_needs_a_bigger_burst():
    baseline = ErrorRateBaseline()
    for index in range(60):
        close(baseline, index, 8)
    assert baseline.mean == pytest.approx(8, rel=0.1)
    assert close(baseline, 60, 12) is None
    assert close(baseline, 61, 40) is not None


def test_quiet_windows_are_learned_as_zero_errors():
    baseline = ErrorRateBaseline()
    close(baseline, 0, 8)
    close(baseline, 100, 1)  # 99 quiet windows in between
    assert baseline.mean < 0.1


def test_one_flag_per_burst_and_a_new_one_after_the_cool_down():
    baseline = ErrorRateBaseline()
    assert close(baseline, 0, 40) is not None
    assert close(baseline, 1, 30) is None  # the same burst
    # After one quiet window (cooling began at its end) the burst resumes: the same incident.
    assert close(baseline, 3, 30) is None
    # Window 4 is quiet: the cool-down runs from its end, so window 15 is still inside it.
    assert close(baseline, 15, 30) is None
    assert close(baseline, 40, 30) is not None


def test_a_project_silent_for_longer_than_the_ttl_starts_over():
    baseline = ErrorRateBaseline()
    close(baseline, 0, 40)
    assert close(baseline, TTL // W + 2, 15) is not None  # the old incident is forgotten


def test_state_round_trips_through_its_flat_values():
    baseline = ErrorRateBaseline()
    close(baseline, 0, 3)
    close(baseline, 5, 40)
    assert ErrorRateBaseline.from_values(baseline.to_values()) == baseline
