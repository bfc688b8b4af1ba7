"""flaky_test, per (org, test): outcomes that flip between pass and fail on the same code.

A flip only counts between two runs of the same commit (or, without commit SHAs, two runs
close in time): a test that starts failing after a change flips once, on different code, and
is a regression or a real failure, not flakiness. A result the reporter itself marks flaky
(``is_flaky``: it failed and then passed on a retry within the run) is a flip on the same code
seen inside one run, and counts as one too.

Each counted run adds one bit to a mask of the last ``lookback_runs`` runs, newest in bit 0:
set when the run is flip evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from argus_flink.contracts import AnomalyKind
from udfs.anomaly.incident import Incident
from udfs.anomaly.records import AnomalyFlag, TestRun
from udfs.anomaly.thresholds import FlakyThresholds

NO_OUTCOME, PASSED, FAILED = 0, 1, 2


@dataclass(slots=True)
class FlipHistory:
    last_outcome: int = NO_OUTCOME
    last_commit: str = ""  # "" when the run carried no commit SHA
    last_time: int = -1
    flips: int = 0  # bit i: the i-th latest run was flip evidence
    runs: int = 0  # runs in the mask, up to lookback_runs
    episode_start: int = 0  # event time where the evidence now in the mask began
    incident: Incident = field(default_factory=Incident)

    def is_anomalous(self, t: FlakyThresholds) -> bool:
        return self.flips.bit_count() >= t.min_flips

    def flipped(self, run: TestRun, outcome: int, t: FlakyThresholds) -> bool:
        """Whether ``run`` changed outcome on the same code as the run before it."""
        if self.last_outcome in (NO_OUTCOME, outcome):
            return False
        if run.commit_sha and self.last_commit:
            return run.commit_sha == self.last_commit
        return run.event_time - self.last_time <= t.same_code_span_s * 1000

    def observe(self, run: TestRun, t: FlakyThresholds, ttl_ms: int) -> AnomalyFlag | None:
        if not run.counted:
            return None
        if self.last_time >= 0 and run.event_time - self.last_time > ttl_ms:
            self._forget()
        outcome = FAILED if run.failed else PASSED
        flipped = self.flipped(run, outcome, t)
        evidence = flipped or run.reported_flaky
        if evidence and self.flips == 0:
            self.episode_start = self.last_time if flipped else run.event_time
        self.flips = ((self.flips << 1) | evidence) & ((1 << t.lookback_runs) - 1)
        self.runs = min(self.runs + 1, t.lookback_runs)
        self.last_outcome, self.last_commit, self.last_time = (
            outcome, run.commit_sha or "", run.event_time)
        count = self.flips.bit_count()
        opened = self.incident.step(run.event_time, anomalous=self.is_anomalous(t),
                                    calm=count == 0, evidence_start=self.episode_start,
                                    cooldown_ms=t.cooldown_s * 1000)
        if not opened:
            return None
        rate = count / self.runs
        return AnomalyFlag(
            run.org_id, run.project_id, AnomalyKind.FLAKY_TEST, run.test_id,
            observed=rate, baseline=None, score=float(count), severity=t.severity.grade(rate),
            incident_start=self.episode_start, window_start=self.episode_start,
            window_end=run.event_time, detected_at=run.event_time)

    def _forget(self) -> None:
        self.last_outcome, self.last_commit, self.last_time = NO_OUTCOME, "", -1
        self.flips = self.runs = 0
        self.episode_start = 0
        self.incident = Incident()

    # --- flat state, in the field order of the Flink state row -------------------------

    def to_values(self) -> tuple:
        i = self.incident
        return (self.last_outcome, self.last_commit, self.last_time, self.flips, self.runs,
                self.episode_start, i.phase, i.started_at, i.cooling_until)

    @classmethod
    def from_values(cls, values) -> FlipHistory:
        (last_outcome, last_commit, last_time, flips, runs, episode_start,
         phase, started_at, cooling_until) = values
        return cls(last_outcome, last_commit, last_time, flips, runs, episode_start,
                   Incident(phase, started_at, cooling_until))


STATE_FIELDS = ("last_outcome", "last_commit", "last_time", "flip_mask", "runs",
                "episode_start", "phase", "incident_start", "cooling_until")
