"""Every threshold of the anomaly detectors, with its default and the reasoning behind it.

The defaults are tuned against the seeded workload generator (one suite run per project every
10 minutes, a 0.4% base failure rate, flaky tests failing 30% of the time, a ~3x duration
regression, a 60% failure spike and a 40-error burst) and against what a CI team would accept
as one alert: rather miss a marginal blip than page on noise.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from argus_flink.contracts import Severity

HOUR_S = 3_600
DAY_S = 24 * HOUR_S


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SeverityBands(_Frozen):
    """Maps a detector's magnitude (not its z-score) to a severity: below ``medium`` is low."""

    medium: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> SeverityBands:
        if self.high < self.medium:
            raise ValueError("high must be >= medium")
        return self

    def grade(self, magnitude: float) -> Severity:
        if magnitude >= self.high:
            return Severity.HIGH
        if magnitude >= self.medium:
            return Severity.MEDIUM
        return Severity.LOW


class FailureRateThresholds(_Frozen):
    """failure_rate_spike, per (org, project): a window's failure rate against an EWMA."""

    #: One CI round per project fits a 10-minute window, so each window is one suite run.
    window_s: int = Field(600, gt=0)
    #: Below 20 counted runs one failure moves the rate by 5 points: too noisy to judge.
    min_runs: int = Field(20, ge=1)
    #: Six windows (an hour of rounds) before the baseline is trusted.
    warmup_windows: int = Field(6, ge=1)
    #: 0.1 weighs the last ~10 windows (~1.5 h): follows slow drift, not one bad run.
    ewma_alpha: float = Field(0.1, gt=0, lt=1)
    #: Open at z >= 4: about one window in 30,000 under a normal model, and min_increase
    #: filters what remains.
    z_open: float = Field(4.0, gt=0)
    #: Close below z 2: the hysteresis band keeps an incident open while the rate hovers.
    z_close: float = Field(2.0, ge=0)
    #: A spike must add 15 points of failure rate; a statistically real +2% is not an incident.
    min_increase: float = Field(0.15, ge=0, le=1)
    #: Floor on sigma, so a project that never fails does not flag its first failure.
    min_sigma: float = Field(0.02, gt=0)
    #: A second spike within an hour of the first calming down is the same incident.
    cooldown_s: int = Field(HOUR_S, ge=0)
    #: By points of failure rate added: +30 medium, +50 high (half the suite broken).
    severity: SeverityBands = SeverityBands(medium=0.30, high=0.50)

    @property
    def window_ms(self) -> int:
        return self.window_s * 1000


class DurationThresholds(_Frozen):
    """duration_regression, per (org, test): log duration of passing runs, median and MAD."""

    #: The last 20 passing runs: robust to a few outliers, adapts to a new normal in ~10 runs.
    history: int = Field(20, ge=3)
    #: Eight runs before judging: a median of fewer is one noisy sample away from wrong.
    min_history: int = Field(8, ge=3)
    #: A run is slow above median + 3 robust sigmas (1.4826 * MAD) of log duration: one
    #: normal run in 740 is that slow, three independent ones in a row one in 400 million.
    n_sigma: float = Field(3.0, gt=0)
    #: ... and at least 1.5x the median: a 10% slowdown of a very steady test is not news.
    min_ratio: float = Field(1.5, gt=1)
    #: Sigma floor in log units (5%): identical timings would otherwise give MAD 0.
    min_sigma: float = Field(0.05, gt=0)
    #: Three slow runs in a row make a regression; one slow run is a noisy neighbour.
    consecutive: int = Field(3, ge=1)
    #: Once the new duration became the baseline, stay quiet for 6 h before a new incident.
    cooldown_s: int = Field(6 * HOUR_S, ge=0)
    #: By slowdown ratio: 2x medium, 3x high.
    severity: SeverityBands = SeverityBands(medium=2.0, high=3.0)

    @model_validator(mode="after")
    def _history_fits(self) -> DurationThresholds:
        if self.min_history > self.history:
            raise ValueError("min_history must be <= history")
        return self


class FlakyThresholds(_Frozen):
    """flaky_test, per (org, test): pass<->fail flips between runs of the same code."""

    #: Flips are counted over the last 32 runs (a bit mask in one LONG of state).
    lookback_runs: int = Field(32, ge=2, le=62)
    #: Four same-code flips. A test that starts failing flips once; a 3-round outage of a
    #: shared dependency flips a test at most 3 times on one commit; a stable test failing
    #: 0.4% of the time needs two isolated failures in 32 runs on unchanged commits.
    min_flips: int = Field(5, ge=1)
    #: Without commit SHAs, runs within an hour count as the same code.
    same_code_span_s: int = Field(HOUR_S, gt=0)
    #: Flaky tests stay flaky: once the flips stop for 32 runs, wait a day before re-flagging.
    cooldown_s: int = Field(DAY_S, ge=0)
    #: By flips per run in the lookback: 0.2 medium, 0.4 high (a coin flip is 0.5).
    severity: SeverityBands = SeverityBands(medium=0.2, high=0.4)


class ErrorBurstThresholds(_Frozen):
    """error_burst, per (org, project): error.reported count per window against an EWMA."""

    #: Five minutes: a burst is minutes long; longer windows would dilute it with quiet time.
    window_s: int = Field(300, gt=0)
    #: Ten errors: below that a burst is not worth a person's attention.
    min_errors: int = Field(10, ge=1)
    #: 0.05 over 5-minute windows weighs the last ~2 hours, empty windows included.
    ewma_alpha: float = Field(0.05, gt=0, lt=1)
    #: z >= 5 against the Poisson-plus-EWMA spread (with a floor of one error): error counts
    #: are burstier than test outcomes, so a stricter bar than the failure rate's 4.
    z_open: float = Field(5.0, gt=0)
    #: Below z 2 a window is back to normal; between 2 and 5 an open burst stays open.
    z_close: float = Field(2.0, ge=0)
    #: A burst that resumes within an hour of calming down is the same incident.
    cooldown_s: int = Field(HOUR_S, ge=0)
    #: By z-score, since a baseline near zero makes ratios meaningless: 10 medium, 20 high.
    severity: SeverityBands = SeverityBands(medium=10.0, high=20.0)

    @property
    def window_ms(self) -> int:
        return self.window_s * 1000


class Thresholds(_Frozen):
    """All detectors' thresholds plus the state time-to-live they share."""

    failure_rate: FailureRateThresholds = FailureRateThresholds()
    duration: DurationThresholds = DurationThresholds()
    flaky: FlakyThresholds = FlakyThresholds()
    error_burst: ErrorBurstThresholds = ErrorBurstThresholds()
    #: A test or project silent for a week starts over: its old baseline no longer describes it.
    #: Applied in event time by the detectors and as Flink state TTL for keys that never return.
    state_ttl_s: int = Field(7 * DAY_S, gt=0)

    @property
    def state_ttl_ms(self) -> int:
        return self.state_ttl_s * 1000
