"""Absolute summaries from keyed state: counts once per event id, independent of order."""

from __future__ import annotations

import itertools

from argus_flink.graph.records import (
    EventKind,
    FailureSummary,
    GraphEvent,
    RecentRun,
    Source,
    TestSummary,
)
from argus_flink.graph.summaries import MemoryStore, summarise

ORG = "org-a"
SOURCE = Source("argus.test.executed", 0, 1, "{}")
T0 = 1_790_000_000_000  # fixed event times, no wall clock


def run(event_id: str, status: str, at: int, test_id: str = "t-1",
        fingerprint: str | None = None) -> GraphEvent:
    return GraphEvent(kind=EventKind.TEST_RESULT, event_id=event_id, org_id=ORG,
                      project_id="p-1", at=at, test_id=test_id, run_id=f"r-{event_id}",
                      status=status, duration_ms=10, fingerprint=fingerprint,
                      error_type="AssertionError" if fingerprint else None,
                      sample_message=f"boom {event_id}" if fingerprint else None)


def test_test_summary_counts_and_keeps_the_latest_status_by_event_time():
    summary = TestSummary()
    for status, at in [("passed", T0 + 2000), ("failed", T0 + 3000), ("skipped", T0 + 1000),
                       ("error", T0)]:
        summary = summary.record(status, at, window=20)
    assert summary == TestSummary(
        runs=4, failures=2, skips=1, last_status="failed", last_run_at=T0 + 3000,
        last_failed_at=T0 + 3000,
        recent=(RecentRun(T0, True), RecentRun(T0 + 2000, False), RecentRun(T0 + 3000, True)))
    assert summary.recent_runs == 3
    assert summary.recent_failures == 2
    assert summary.recent_failure_rate == 2 / 3


def test_recent_window_keeps_only_the_latest_runs_even_when_they_arrive_out_of_order():
    summary = TestSummary()
    for k in (5, 1, 4, 2, 3):
        summary = summary.record("failed" if k <= 2 else "passed", T0 + k, window=3)
    assert [run.at for run in summary.recent] == [T0 + 3, T0 + 4, T0 + 5]
    assert summary.recent_failure_rate == 0.0
    assert summary.runs == 5 and summary.failures == 2


def test_a_test_with_only_skipped_runs_has_no_recent_failure_rate():
    summary = TestSummary().record("skipped", T0, window=20)
    assert summary.recent_failure_rate is None
    assert summary.last_status == "skipped"


def test_failure_summary_takes_its_sample_from_the_earliest_occurrence():
    summary = (FailureSummary()
               .record(T0 + 50, "ValueError", "later")
               .record(T0 + 10, "ValueError", "earliest")
               .record(T0 + 90, "ValueError", "latest"))
    assert summary == FailureSummary(3, T0 + 10, T0 + 90, "ValueError", "earliest")


def test_summarise_counts_an_event_id_once_but_still_returns_its_update():
    store = MemoryStore()
    event = run("e-1", "failed", T0, fingerprint="fp-1")
    first = summarise(event, SOURCE, store)
    again = summarise(event, SOURCE, store)
    assert not first.duplicate and again.duplicate
    assert first.test == again.test == store.tests["t-1"]
    assert again.test.runs == 1 and again.test.failures == 1
    assert again.error.occurrences == 1 and again.failed_with.occurrences == 1


def test_a_failure_counts_for_the_error_and_for_the_test_error_pair():
    store = MemoryStore()
    summarise(run("e-1", "failed", T0, "t-1", "fp-1"), SOURCE, store)
    summarise(run("e-2", "failed", T0 + 1, "t-2", "fp-1"), SOURCE, store)
    update = summarise(run("e-3", "failed", T0 + 2, "t-1", "fp-1"), SOURCE, store)
    assert update.error.occurrences == 3
    assert update.failed_with.occurrences == 2
    assert store.failures[("t-2", "fp-1")].occurrences == 1


def test_an_error_report_counts_for_its_error_only():
    store = MemoryStore()
    report = GraphEvent(kind=EventKind.ERROR_REPORT, event_id="e-9", org_id=ORG,
                        project_id="p-1", at=T0, fingerprint="fp-2", error_type="KeyError",
                        sample_message="KeyError: 'x'", related_test_ids=("t-1",),
                        affected_files=("app/x.py",))
    update = summarise(report, SOURCE, store)
    assert update.test is None and update.failed_with is None
    assert update.error == FailureSummary(1, T0, T0, "KeyError", "KeyError: 'x'")


def test_final_summaries_do_not_depend_on_arrival_order():
    events = [run("e-1", "passed", T0, fingerprint=None),
              run("e-2", "failed", T0 + 10, fingerprint="fp"),
              run("e-3", "error", T0 + 20, fingerprint="fp"),
              run("e-4", "skipped", T0 + 30),
              run("e-2", "failed", T0 + 10, fingerprint="fp")]  # a redelivery
    results = set()
    for order in itertools.permutations(events):
        store = MemoryStore()
        for event in order:
            summarise(event, SOURCE, store, recent_runs=2)
        results.add((store.tests["t-1"], store.errors["fp"],
                     store.failures[("t-1", "fp")]))
    assert len(results) == 1
