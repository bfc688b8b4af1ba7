"""The typed records the detectors read and write. Times are epoch milliseconds, event time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from argus_flink.contracts import AnomalyKind, ErrorReportedEvent, Severity, TestExecutedEvent

#: Stands in for a missing project_id, so project-level keys and rows stay non-null.
NO_PROJECT = ""

_FAILED = frozenset({"failed", "error"})


def epoch_ms(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class TestRun:
    """One execution of one test, reduced to what the detectors need."""

    __test__ = False  # not a pytest test class despite the name

    org_id: str
    project_id: str
    test_id: str
    event_id: str
    commit_sha: str | None
    status: str  # a TestStatus value
    duration_ms: int
    event_time: int
    #: The reporter marked the result flaky, e.g. it passed on a retry within the run.
    reported_flaky: bool = False

    @property
    def counted(self) -> bool:
        """Skipped runs say nothing about failure rates, durations or flakiness."""
        return self.status != "skipped"

    @property
    def failed(self) -> bool:
        return self.status in _FAILED

    def to_values(self) -> tuple:
        return (self.org_id, self.project_id, self.test_id, self.event_id, self.commit_sha,
                self.status, self.duration_ms, self.event_time, self.reported_flaky)

    @classmethod
    def from_event(cls, event: TestExecutedEvent) -> TestRun:
        return cls(event.org_id, event.project_id or NO_PROJECT, event.test_id, event.event_id,
                   event.commit_sha, event.status.value, event.duration_ms,
                   epoch_ms(event.timestamp), event.is_flaky)


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """One error.reported event: only its tenant, project, identity and time matter here."""

    org_id: str
    project_id: str
    event_id: str
    event_time: int

    def to_values(self) -> tuple:
        return (self.org_id, self.project_id, self.event_id, self.event_time)

    @classmethod
    def from_event(cls, event: ErrorReportedEvent) -> ErrorReport:
        return cls(event.org_id, event.project_id or NO_PROJECT, event.event_id,
                   epoch_ms(event.timestamp))


@dataclass(frozen=True, slots=True)
class AnomalyFlag:
    """One incident, reported once when a detector first sees it."""

    org_id: str
    project_id: str
    kind: AnomalyKind
    subject: str  # the test id, or the project id for project-wide anomalies
    observed: float
    baseline: float | None
    score: float
    severity: Severity
    incident_start: int  # event time of the incident's first evidence; part of its identity
    # The evidence: a closed window [window_start, window_end), or the first and the last run
    # of a sequence.
    window_start: int
    window_end: int
    detected_at: int  # event time at which the evidence was complete

    def to_values(self) -> tuple:
        return (self.org_id, self.project_id, self.kind.value, self.subject, self.observed,
                self.baseline, self.score, self.severity.value, self.incident_start,
                self.window_start, self.window_end, self.detected_at)

    @classmethod
    def from_values(cls, values) -> AnomalyFlag:
        (org_id, project_id, kind, subject, observed, baseline, score, severity, incident_start,
         window_start, window_end, detected_at) = values
        return cls(org_id, project_id, AnomalyKind(kind), subject, observed, baseline, score,
                   Severity(severity), incident_start, window_start, window_end, detected_at)
