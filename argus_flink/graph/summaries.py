"""Keyed-state logic of the knowledge-graph job: turn a GraphEvent into a GraphUpdate that
carries absolute summaries (run and failure counts, last status, recent failure rate).

State lives per org (the job keys by org_id). The logic only sees the small ``SummaryStore``
interface, so the same code runs over Flink MapState in the job and over dicts in the tests
and the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from argus_flink.graph.records import (
    EventKind,
    FailureSummary,
    GraphEvent,
    GraphUpdate,
    Source,
    TestSummary,
)

DEFAULT_RECENT_RUNS = 20


class SummaryStore(Protocol):
    """One org's state: event ids already counted, and the summaries by subject."""

    def seen(self, event_id: str) -> bool: ...
    def mark_seen(self, event_id: str) -> None: ...
    def test(self, test_id: str) -> TestSummary | None: ...
    def put_test(self, test_id: str, summary: TestSummary) -> None: ...
    def error(self, fingerprint: str) -> FailureSummary | None: ...
    def put_error(self, fingerprint: str, summary: FailureSummary) -> None: ...
    def failed_with(self, test_id: str, fingerprint: str) -> FailureSummary | None: ...
    def put_failed_with(self, test_id: str, fingerprint: str, summary: FailureSummary
                        ) -> None: ...


def summarise(event: GraphEvent, source: Source, store: SummaryStore,
              recent_runs: int = DEFAULT_RECENT_RUNS) -> GraphUpdate:
    """Count ``event`` once (by event id) and return its update with the summaries it touches.

    A repeated event id is not counted again but still yields its update, with the current
    summaries: writing it again is harmless, and a dead-lettered record replayed into the job
    reaches the graph that way.
    """
    duplicate = store.seen(event.event_id)
    if not duplicate:
        store.mark_seen(event.event_id)
    test = error = failed_with = None
    if event.kind == EventKind.TEST_RESULT and event.test_id is not None:
        test = store.test(event.test_id) or TestSummary()
        if not duplicate:
            test = test.record(event.status or "", event.at, recent_runs)
            store.put_test(event.test_id, test)
    if event.fingerprint is not None:
        error = store.error(event.fingerprint) or FailureSummary()
        if not duplicate:
            error = error.record(event.at, event.error_type, event.sample_message)
            store.put_error(event.fingerprint, error)
        if event.kind == EventKind.TEST_RESULT and event.test_id is not None:
            failed_with = (store.failed_with(event.test_id, event.fingerprint)
                           or FailureSummary())
            if not duplicate:
                failed_with = failed_with.record(event.at, event.error_type,
                                                 event.sample_message)
                store.put_failed_with(event.test_id, event.fingerprint, failed_with)
    return GraphUpdate(org_id=event.org_id, event=event, source=source, duplicate=duplicate,
                       test=test, error=error, failed_with=failed_with)


@dataclass
class MemoryStore:
    """A SummaryStore over dicts: one org's state, for tests and the benchmark."""

    event_ids: set[str] = field(default_factory=set)
    tests: dict[str, TestSummary] = field(default_factory=dict)
    errors: dict[str, FailureSummary] = field(default_factory=dict)
    failures: dict[tuple[str, str], FailureSummary] = field(default_factory=dict)

    def seen(self, event_id: str) -> bool:
        return event_id in self.event_ids

    def mark_seen(self, event_id: str) -> None:
        self.event_ids.add(event_id)

    def test(self, test_id: str) -> TestSummary | None:
        return self.tests.get(test_id)

    def put_test(self, test_id: str, summary: TestSummary) -> None:
        self.tests[test_id] = summary

    def error(self, fingerprint: str) -> FailureSummary | None:
        return self.errors.get(fingerprint)

    def put_error(self, fingerprint: str, summary: FailureSummary) -> None:
        self.errors[fingerprint] = summary

    def failed_with(self, test_id: str, fingerprint: str) -> FailureSummary | None:
        return self.failures.get((test_id, fingerprint))

    def put_failed_with(self, test_id: str, fingerprint: str, summary: FailureSummary
                        ) -> None:
        self.failures[(test_id, fingerprint)] = summary
