"""Typed records of the knowledge-graph job: frozen dataclasses that map one-to-one onto Flink
row types (see ``rows.py``), so keyed state stays compact and savepoints stay compatible.

Times are epoch milliseconds (event time) throughout; the graph stores them as RFC 3339.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

FAILED_STATUSES = frozenset({"failed", "error"})
SKIPPED_STATUS = "skipped"


class EventKind(StrEnum):
    TEST_RESULT = "test_result"  # argus.test.executed and argus.test.failed
    ERROR_REPORT = "error_report"  # argus.error.reported
    COMMIT = "commit"  # argus.codebase.ingested


@dataclass(frozen=True, slots=True)
class FileChangeFact:
    path: str
    change_type: str
    additions: int
    deletions: int


@dataclass(frozen=True, slots=True)
class GraphEvent:
    """What one valid input event says about the graph, before any state is consulted."""

    kind: str
    event_id: str
    org_id: str
    project_id: str | None
    at: int
    # test results
    test_id: str | None = None
    test_name: str | None = None
    test_file: str | None = None
    run_id: str | None = None
    status: str | None = None
    duration_ms: int | None = None
    # test results (the commit tested) and commits
    commit_sha: str | None = None
    # failures and error reports: the shared per-org fingerprint (udfs.failure_text)
    fingerprint: str | None = None
    error_type: str | None = None
    sample_message: str | None = None
    # error reports
    related_test_ids: tuple[str, ...] = ()
    affected_files: tuple[str, ...] = ()
    # commits
    branch: str | None = None
    repo_url: str | None = None
    pr_number: int | None = None
    changes: tuple[FileChangeFact, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record came from, kept so a write that fails can dead-letter the original."""

    topic: str
    partition: int | None
    offset: int | None
    original: str


@dataclass(frozen=True, slots=True)
class RecentRun:
    at: int
    failed: bool


@dataclass(frozen=True, slots=True)
class TestSummary:
    """Absolute per-test figures; every write of a test carries all of them, never a delta."""

    __test__ = False  # not a pytest test class despite the name

    runs: int = 0
    failures: int = 0
    skips: int = 0
    last_status: str | None = None
    last_run_at: int | None = None
    last_failed_at: int | None = None
    #: The latest non-skipped runs by event time, oldest first: the "recent" failure rate.
    recent: tuple[RecentRun, ...] = ()

    def record(self, status: str, at: int, window: int) -> TestSummary:
        """This summary after one more (distinct) execution; arrival order does not matter."""
        failed = status in FAILED_STATUSES
        # Ties on event time go to the greater status, so the result is order-independent.
        newest = self.last_run_at is None or (at, status) >= (self.last_run_at,
                                                              self.last_status or "")
        return replace(
            self,
            runs=self.runs + 1,
            failures=self.failures + failed,
            skips=self.skips + (status == SKIPPED_STATUS),
            last_status=status if newest else self.last_status,
            last_run_at=at if newest else self.last_run_at,
            last_failed_at=(max(at, self.last_failed_at or at) if failed
                            else self.last_failed_at),
            recent=(self.recent if status == SKIPPED_STATUS
                    else _keep_latest(self.recent, RecentRun(at, failed), window)),
        )

    @property
    def recent_runs(self) -> int:
        return len(self.recent)

    @property
    def recent_failures(self) -> int:
        return sum(run.failed for run in self.recent)

    @property
    def recent_failure_rate(self) -> float | None:
        return self.recent_failures / self.recent_runs if self.recent else None


def _keep_latest(recent: tuple[RecentRun, ...], run: RecentRun, window: int
                 ) -> tuple[RecentRun, ...]:
    # Sorted by event time, so a late run lands where it belongs (or falls off the front).
    runs = sorted((*recent, run), key=lambda r: (r.at, r.failed))
    return tuple(runs[-window:]) if window > 0 else ()


@dataclass(frozen=True, slots=True)
class FailureSummary:
    """Occurrences of one failure fingerprint (for an Error node, or one test's FAILED_WITH)."""

    occurrences: int = 0
    first_seen: int | None = None
    last_seen: int | None = None
    #: From the earliest occurrence by event time, so every replay picks the same sample.
    error_type: str | None = None
    sample_message: str | None = None

    def record(self, at: int, error_type: str | None, sample_message: str | None
               ) -> FailureSummary:
        earliest = self.first_seen is None or at < self.first_seen
        return replace(
            self,
            occurrences=self.occurrences + 1,
            first_seen=at if earliest else self.first_seen,
            last_seen=at if self.last_seen is None else max(at, self.last_seen),
            error_type=error_type if earliest else self.error_type,
            sample_message=sample_message if earliest else self.sample_message,
        )


@dataclass(frozen=True, slots=True)
class GraphUpdate:
    """One source record's contribution to the graph, with the absolute summaries it touches.

    ``duplicate`` marks an event id already counted: it is written again (harmless, MERGE) but
    not counted again, so a dead-lettered record replayed later still reaches the graph.
    """

    org_id: str
    event: GraphEvent
    source: Source
    duplicate: bool = False
    test: TestSummary | None = None
    error: FailureSummary | None = None
    failed_with: FailureSummary | None = None
