"""Detection quality against the workload generator's ground truth (its manifest).

An injected incident counts as found when a flag of the same kind, tenant and subject covers
its time span (with some slack for window alignment). A flag that matches no incident is a
false flag. False flags are normalised by test-hours of normal traffic: the tests that are
neither flaky nor the subject of an injected incident, times the hours the workload spans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from argus_flink.contracts import AnomalyKind, Insight
from argus_flink.generator.manifest import Incident, Manifest
from argus_flink.generator.scenario import Behaviour
from udfs.anomaly.records import AnomalyFlag, epoch_ms

HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class Detection:
    """What evaluation needs of a flag, whether it came from the detectors or the topic."""

    kind: str
    org_id: str
    subject: str
    start: int
    end: int

    @classmethod
    def from_flag(cls, flag: AnomalyFlag) -> Detection:
        return cls(flag.kind.value, flag.org_id, flag.subject, flag.window_start, flag.window_end)

    @classmethod
    def from_insight(cls, insight: Insight) -> Detection:
        payload = insight.payload
        return cls(payload.anomaly_kind.value, insight.org_id, payload.subject,
                   epoch_ms(insight.window_start), epoch_ms(insight.window_end))


@dataclass(frozen=True)
class QualityReport:
    incidents: int
    missed: tuple[Incident, ...]
    false_flags: tuple[Detection, ...]
    flaky_as_regression: tuple[Detection, ...]  # flaky tests flagged as duration regressions
    normal_test_hours: float

    @property
    def recall(self) -> float:
        return (self.incidents - len(self.missed)) / self.incidents if self.incidents else 1.0

    @property
    def false_flags_per_1000_test_hours(self) -> float:
        return 1000.0 * len(self.false_flags) / self.normal_test_hours

    def summary(self) -> str:
        return (f"recall {self.recall:.3f} ({self.incidents - len(self.missed)}/{self.incidents}),"
                f" {len(self.false_flags)} false flags in {self.normal_test_hours:,.0f}"
                f" test-hours ({self.false_flags_per_1000_test_hours:.2f} per 1,000),"
                f" {len(self.flaky_as_regression)} flaky tests flagged as regressions")


def _covers(detection: Detection, incident: Incident, slack_ms: int) -> bool:
    return (detection.kind == incident.kind and detection.org_id == incident.org_id
            and detection.subject == incident.subject
            and detection.start <= epoch_ms(incident.end) + slack_ms
            and detection.end >= epoch_ms(incident.start) - slack_ms)


def evaluate(detections: Iterable[Detection], manifest: Manifest,
             slack_ms: int = 10 * 60_000) -> QualityReport:
    detections = list(detections)
    incidents = manifest.incidents
    missed = tuple(incident for incident in incidents
                   if not any(_covers(d, incident, slack_ms) for d in detections))
    false_flags = tuple(d for d in detections
                        if not any(_covers(d, incident, slack_ms) for incident in incidents))
    flaky = {(incident.org_id, incident.subject)
             for incident in manifest.incidents_of(AnomalyKind.FLAKY_TEST)}
    flaky_as_regression = tuple(
        d for d in detections
        if d.kind == AnomalyKind.DURATION_REGRESSION and (d.org_id, d.subject) in flaky)
    return QualityReport(len(incidents), missed, false_flags, flaky_as_regression,
                         normal_test_hours(manifest))


def normal_test_hours(manifest: Manifest) -> float:
    subjects = {incident.subject for incident in manifest.incidents}
    normal = sum(1 for org in manifest.orgs for project in org.projects for test in project.tests
                 if test.behaviour is not Behaviour.FLAKY and test.test_id not in subjects)
    if manifest.start is None or manifest.end is None:
        return 0.0
    return normal * (epoch_ms(manifest.end) - epoch_ms(manifest.start)) / HOUR_MS
