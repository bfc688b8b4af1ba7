"""failure_rate_spike, per (org, project): each closed window's failure rate against an
exponentially weighted baseline of earlier windows (mean and variance).

The rate's spread is the larger of what the baseline has seen between windows and what
binomial noise alone gives a window of this many runs, so a small window cannot flag on luck.
The baseline stops learning while an incident is open: a spike must not become the norm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from argus_flink.contracts import AnomalyKind
from udfs.anomaly.incident import Incident
from udfs.anomaly.records import AnomalyFlag
from udfs.anomaly.thresholds import FailureRateThresholds


def window_start(event_time: int, size_ms: int) -> int:
    """Tumbling windows aligned to the epoch, as Flink's own tumbling windows are."""
    return event_time - event_time % size_ms


@dataclass(slots=True)
class FailureRateBaseline:
    mean: float = 0.0
    variance: float = 0.0
    windows: int = 0  # windows learned so far
    last_window: int = -1  # start of the last closed window; -1 before the first
    incident: Incident = field(default_factory=Incident)

    def is_anomalous(self, rate: float, runs: int, t: FailureRateThresholds) -> tuple[bool, float]:
        """(whether ``rate`` over ``runs`` opens an incident, its z-score against the baseline)."""
        z = (rate - self.mean) / self.sigma(runs, t)
        ready = self.windows >= t.warmup_windows
        return ready and z >= t.z_open and rate - self.mean >= t.min_increase, z

    def sigma(self, runs: int, t: FailureRateThresholds) -> float:
        binomial = self.mean * (1.0 - self.mean) / runs
        return max(math.sqrt(self.variance + binomial), t.min_sigma)

    def close_window(self, org_id: str, project_id: str, start: int, runs: int, failures: int,
                     t: FailureRateThresholds, ttl_ms: int) -> AnomalyFlag | None:
        """Judge the window [start, start + window) holding ``runs`` counted runs."""
        if self.last_window >= 0 and start - self.last_window > ttl_ms:
            self._forget()
        self.last_window = start
        if runs < t.min_runs:
            return None
        rate = failures / runs
        anomalous, z = self.is_anomalous(rate, runs, t)
        end = start + t.window_ms
        opened = self.incident.step(end, anomalous=anomalous, calm=z < t.z_close,
                                    evidence_start=start, cooldown_ms=t.cooldown_s * 1000)
        flag = None
        if opened:
            flag = AnomalyFlag(
                org_id, project_id, AnomalyKind.FAILURE_RATE_SPIKE, project_id or org_id,
                observed=rate, baseline=self.mean, score=z,
                severity=t.severity.grade(rate - self.mean), incident_start=start,
                window_start=start, window_end=end, detected_at=end)
        if not anomalous and not self.incident.active:
            self._learn(rate, t.ewma_alpha)
        return flag

    def _learn(self, rate: float, alpha: float) -> None:
        if self.windows == 0:
            self.mean, self.variance = rate, 0.0
        else:
            diff = rate - self.mean
            self.mean += alpha * diff
            self.variance = (1.0 - alpha) * (self.variance + alpha * diff * diff)
        self.windows += 1

    def _forget(self) -> None:
        self.mean, self.variance, self.windows = 0.0, 0.0, 0
        self.incident = Incident()

    # --- flat state, in the field order of the Flink state row -------------------------

    def to_values(self) -> tuple:
        i = self.incident
        return (self.mean, self.variance, self.windows, self.last_window,
                i.phase, i.started_at, i.cooling_until)

    @classmethod
    def from_values(cls, values) -> FailureRateBaseline:
        mean, variance, windows, last_window, phase, started_at, cooling_until = values
        return cls(mean, variance, windows, last_window,
                   Incident(phase, started_at, cooling_until))


STATE_FIELDS = ("mean", "variance", "windows", "last_window",
                "phase", "incident_start", "cooling_until")
