"""error_burst, per (org, project): error.reported events per window against an exponentially
weighted baseline of earlier windows.

Windows without errors never reach the detector (nothing arrives to close them), yet they are
the normal case; the gap between two closed windows is learned as that many zero counts, and
its first quiet window counts as calm for the incident's cool-down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from argus_flink.contracts import AnomalyKind
from udfs.anomaly.incident import Incident
from udfs.anomaly.records import AnomalyFlag
from udfs.anomaly.thresholds import ErrorBurstThresholds

# After this many quiet windows the baseline is zero to within float noise; stop iterating.
_MAX_QUIET_STEPS = 512


@dataclass(slots=True)
class ErrorRateBaseline:
    mean: float = 0.0  # errors per window
    variance: float = 0.0
    last_window: int = -1  # start of the last closed window; -1 before the first
    incident: Incident = field(default_factory=Incident)

    def is_anomalous(self, errors: int, t: ErrorBurstThresholds) -> tuple[bool, float]:
        """(whether ``errors`` in one window open an incident, their z-score)."""
        # Poisson spread (variance = mean) plus what the baseline has seen, floored at one
        # error, so a project with no history does not flag its second error.
        z = (errors - self.mean) / math.sqrt(self.variance + self.mean + 1.0)
        return errors >= t.min_errors and z >= t.z_open, z

    def close_window(self, org_id: str, project_id: str, start: int, errors: int,
                     t: ErrorBurstThresholds, ttl_ms: int) -> AnomalyFlag | None:
        size = t.window_ms
        cooldown_ms = t.cooldown_s * 1000
        if self.last_window >= 0 and start - self.last_window > ttl_ms:
            self._forget()
        if self.last_window >= 0:
            quiet = (start - self.last_window) // size - 1
            if quiet > 0:
                first_quiet_end = self.last_window + 2 * size
                self.incident.step(first_quiet_end, anomalous=False, calm=True,
                                   evidence_start=first_quiet_end, cooldown_ms=cooldown_ms)
                for _ in range(min(quiet, _MAX_QUIET_STEPS)):
                    self._learn(0, t.ewma_alpha)
        self.last_window = start
        anomalous, z = self.is_anomalous(errors, t)
        end = start + size
        opened = self.incident.step(end, anomalous=anomalous, calm=z < t.z_close,
                                    evidence_start=start, cooldown_ms=cooldown_ms)
        flag = None
        if opened:
            flag = AnomalyFlag(
                org_id, project_id, AnomalyKind.ERROR_BURST, project_id or org_id,
                observed=float(errors), baseline=self.mean, score=z,
                severity=t.severity.grade(z), incident_start=start,
                window_start=start, window_end=end, detected_at=end)
        if not anomalous and not self.incident.active:
            self._learn(errors, t.ewma_alpha)
        return flag

    def _learn(self, errors: int, alpha: float) -> None:
        diff = errors - self.mean
        self.mean += alpha * diff
        self.variance = (1.0 - alpha) * (self.variance + alpha * diff * diff)

    def _forget(self) -> None:
        self.mean, self.variance = 0.0, 0.0
        self.incident = Incident()

    # --- flat state, in the field order of the Flink state row -------------------------

    def to_values(self) -> tuple:
        i = self.incident
        return (self.mean, self.variance, self.last_window,
                i.phase, i.started_at, i.cooling_until)

    @classmethod
    def from_values(cls, values) -> ErrorRateBaseline:
        mean, variance, last_window, phase, started_at, cooling_until = values
        return cls(mean, variance, last_window, Incident(phase, started_at, cooling_until))


STATE_FIELDS = ("mean", "variance", "last_window", "phase", "incident_start", "cooling_until")
