"""flaky_test on hand-made outcome sequences: flips on the same code, not a test that broke."""

from __future__ import annotations

import pytest

from argus_flink.contracts import AnomalyKind, Severity
from udfs.anomaly.flaky_test import FlipHistory
from udfs.anomaly.records import TestRun
from udfs.anomaly.thresholds import FlakyThresholds

T = FlakyThresholds()
TTL = 7 * 24 * 3_600_000
T0 = 1_772_409_600_000  # 2026-03-02T00:00:00Z
EVERY = 600_000


def run(index: int, status: str, commit: str | None = "sha-1", *,
        reported_flaky: bool = False) -> TestRun:
    return TestRun("org", "proj", "test-1", f"e{index}", commit, status, 100,
                   T0 + index * EVERY, reported_flaky)


def feed(history: FlipHistory, statuses: str, first: int = 0, commits=None, **kwargs):
    """``statuses`` as letters: P passed, F failed, E error, S skipped."""
    names = {"P": "passed", "F": "failed", "E": "error", "S": "skipped"}
    flags = []
    for i, letter in enumerate(statuses):
        commit = commits[i] if commits is not None else "sha-1"
        flags.append(history.observe(run(first + i, names[letter], commit, **kwargs), T, TTL))
    return flags


def test_the_fifth_flip_on_one_commit_is_flagged():
    history = FlipHistory()
    flags = feed(history, "PFPFPF")
    assert flags[:5] == [None] * 5
    flag = flags[5]
    assert flag is not None
    assert (flag.kind, flag.subject, flag.baseline) == (AnomalyKind.FLAKY_TEST, "test-1", None)
    assert flag.score == 5.0
    assert flag.observed == pytest.approx(5 / 6)
    assert flag.severity is Severity.HIGH
    assert flag.incident_start == flag.window_start == run(0, "passed").event_time
    assert flag.window_end == flag.detected_at == run(5, "passed").event_time


def test_error_counts_as_a_failure_and_skipped_runs_are_ignored():
    history = FlipHistory()
    assert feed(history, "PSESPSESPSE")[-1] is not None


def test_a_test_that_started_failing_after_a_change_is_not_flaky():
    history = FlipHistory()
    commits = ["a"] * 4 + ["b"] * 8
    assert feed(history, "PPPPFFFFFFFF", commits=commits) == [None] * 12
    assert history.flips.bit_count() == 0  # the one flip was on new code


def test_flips_across_commits_do_not_count():
    history = FlipHistory()
    commits = [f"sha-{i}" for i in range(12)]
    assert feed(history, "PFPFPFPFPFPF", commits=commits) == [None] * 12


def test_an_outage_of_three_runs_is_below_the_minimum_flips():
    history = FlipHistory()
    commits = ["a"] * 5 + ["b"] * 10
    assert feed(history, "PPPPPFPFPPPPPPP", commits=commits) == [None] * 15


def test_results_the_reporter_marks_flaky_are_flips_seen_inside_a_run():
    history = FlipHistory()
    flags = feed(history, "PPPPP", reported_flaky=True)
    assert flags[4] is not None
    assert flags[4].incident_start == run(0, "passed").event_time


def test_without_commits_only_runs_close_in_time_are_the_same_code():
    close_by = FlipHistory()
    assert feed(close_by, "PFPFPF", commits=[None] * 6)[5] is not None
    far_apart = FlipHistory()
    flags = [far_apart.observe(TestRun("org", "proj", "test-1", f"e{i}", None, status, 100,
                                       T0 + i * 2 * T.same_code_span_s * 1000), T, TTL)
             for i, status in enumerate(["passed", "failed"] * 3)]
    assert flags == [None] * 6


def test_a_flaky_test_is_reported_once_however_long_it_stays_flaky():
    history = FlipHistory()
    flags = feed(history, "PF" * 40)
    assert sum(flag is not None for flag in flags) == 1


def test_after_it_settles_and_the_cool_down_passes_a_relapse_is_a_new_incident():
    history = FlipHistory()
    feed(history, "PF" * 5)
    feed(history, "P" * T.lookback_runs, first=10)  # the flips leave the mask: calm
    within = 10 + T.lookback_runs
    assert not any(feed(history, "FP" * 5, first=within))
    settled = within + 10
    feed(history, "P" * T.lookback_runs, first=settled)
    after = settled + T.lookback_runs + T.cooldown_s * 1000 // EVERY
    assert any(feed(history, "FP" * 5, first=after))


def test_a_test_silent_for_longer_than_the_ttl_starts_over():
    history = FlipHistory()
    feed(history, "PFPF")
    after_gap = 4 + TTL // EVERY + 1
    assert feed(history, "PF", first=after_gap) == [None, None]
    assert (history.flips.bit_count(), history.runs) == (1, 2)


def test_state_round_trips_through_its_flat_values():
    history = FlipHistory()
    feed(history, "PFPFPF")
    assert FlipHistory.from_values(history.to_values()) == history
