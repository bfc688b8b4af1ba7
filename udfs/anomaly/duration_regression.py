"""duration_regression, per (org, test): a sustained jump in the duration of passing runs.

The baseline is the median and MAD of the log durations of the last passing runs: robust to
the odd slow run, and multiplicative, so "2x slower" means the same for a 50 ms unit test and a
60 s browser test. Failed runs are left out: a failure's duration describes the failure (a
timeout, an early assertion), not the test. A regression is several slow runs in a row; the
baseline keeps learning, so once the new duration is the norm the incident calms down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from argus_flink.contracts import AnomalyKind
from udfs.anomaly.incident import Incident
from udfs.anomaly.records import AnomalyFlag, TestRun
from udfs.anomaly.thresholds import DurationThresholds

# MAD * 1.4826 estimates the standard deviation of normally distributed values.
_MAD_TO_SIGMA = 1.4826


def median(sorted_values: list[float]) -> float:
    n = len(sorted_values)
    middle = n // 2
    if n % 2:
        return sorted_values[middle]
    return (sorted_values[middle - 1] + sorted_values[middle]) / 2.0


def robust_center(values: list[float], min_sigma: float) -> tuple[float, float]:
    """(median, robust sigma from the median absolute deviation) of ``values``."""
    center = median(sorted(values))
    mad = median(sorted(abs(value - center) for value in values))
    return center, max(_MAD_TO_SIGMA * mad, min_sigma)


@dataclass(slots=True)
class DurationBaseline:
    recent: list[float] = field(default_factory=list)  # log ms of the last passing runs
    slow_streak: int = 0  # consecutive slow passing runs, ending with the latest
    calm_streak: int = 0  # consecutive passing runs within the band, ending with the latest
    streak_start: int = 0  # event time of the first run of the slow streak
    streak_log_sum: float = 0.0
    last_seen: int = -1  # event time of the last passing run
    incident: Incident = field(default_factory=Incident)

    def is_anomalous(self, log_ms: float, t: DurationThresholds) -> tuple[bool, float, float]:
        """(whether one run of ``log_ms`` is slow, the baseline median, its robust sigma)."""
        center, sigma = robust_center(self.recent, t.min_sigma)
        upper = center + max(t.n_sigma * sigma, math.log(t.min_ratio))
        return log_ms > upper, center, sigma

    def observe(self, run: TestRun, t: DurationThresholds, ttl_ms: int) -> AnomalyFlag | None:
        if run.status != "passed":
            return None
        if self.last_seen >= 0 and run.event_time - self.last_seen > ttl_ms:
            self._forget()
        self.last_seen = run.event_time
        log_ms = math.log(max(run.duration_ms, 1))
        flag, slow = None, False
        if len(self.recent) >= t.min_history:
            slow, center, sigma = self.is_anomalous(log_ms, t)
            flag = self._judge(run, log_ms, slow, center, sigma, t)
        # A slow run is an outlier until the streak confirms a regression: learning it early
        # would widen the baseline and hide the regression it belongs to. Once the incident
        # is open the new level is learned, so the incident calms down when it is the norm.
        if not slow or self.incident.active:
            self.recent.append(log_ms)
            del self.recent[:-t.history]
        return flag

    def _judge(self, run: TestRun, log_ms: float, slow: bool, center: float, sigma: float,
               t: DurationThresholds) -> AnomalyFlag | None:
        if slow:
            if self.slow_streak == 0:
                self.streak_start, self.streak_log_sum = run.event_time, 0.0
            self.slow_streak += 1
            self.streak_log_sum += log_ms
            self.calm_streak = 0
        else:
            self.slow_streak = 0
            self.calm_streak += 1
        opened = self.incident.step(
            run.event_time, anomalous=self.slow_streak >= t.consecutive,
            calm=self.calm_streak >= t.consecutive, evidence_start=self.streak_start,
            cooldown_ms=t.cooldown_s * 1000)
        if not opened:
            return None
        streak_log = self.streak_log_sum / self.slow_streak
        observed, baseline = math.exp(streak_log), math.exp(center)
        return AnomalyFlag(
            run.org_id, run.project_id, AnomalyKind.DURATION_REGRESSION, run.test_id,
            observed=observed, baseline=baseline, score=(streak_log - center) / sigma,
            severity=t.severity.grade(observed / baseline), incident_start=self.streak_start,
            window_start=self.streak_start, window_end=run.event_time,
            detected_at=run.event_time)

    def _forget(self) -> None:
        self.recent = []
        self.slow_streak = self.calm_streak = 0
        self.streak_start, self.streak_log_sum = 0, 0.0
        self.incident = Incident()

    # --- flat state, in the field order of the Flink state row -------------------------

    def to_values(self) -> tuple:
        i = self.incident
        return (list(self.recent), self.slow_streak, self.calm_streak, self.streak_start,
                self.streak_log_sum, self.last_seen, i.phase, i.started_at, i.cooling_until)

    @classmethod
    def from_values(cls, values) -> DurationBaseline:
        (recent, slow_streak, calm_streak, streak_start, streak_log_sum, last_seen,
         phase, started_at, cooling_until) = values
        return cls(list(recent), slow_streak, calm_streak, streak_start, streak_log_sum,
                   last_seen, Incident(phase, started_at, cooling_until))


STATE_FIELDS = ("recent_log_ms", "slow_streak", "calm_streak", "streak_start",
                "streak_log_sum", "last_seen", "phase", "incident_start", "cooling_until")
