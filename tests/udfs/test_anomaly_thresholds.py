"""The thresholds config: documented defaults, validation, severity bands."""

from __future__ import annotations

import inspect

import pytest
from pydantic import ValidationError

from argus_flink.contracts import Severity
from udfs.anomaly.thresholds import (
    DurationThresholds,
    ErrorBurstThresholds,
    FailureRateThresholds,
    FlakyThresholds,
    SeverityBands,
    Thresholds,
)


def test_defaults_are_consistent():
    t = Thresholds()
    assert t.failure_rate.z_close < t.failure_rate.z_open
    assert t.error_burst.z_close < t.error_burst.z_open
    assert t.duration.min_history <= t.duration.history
    assert t.state_ttl_ms == 7 * 24 * 3_600_000


@pytest.mark.parametrize("model", [FailureRateThresholds, DurationThresholds, FlakyThresholds,
                                   ErrorBurstThresholds])
def test_every_threshold_states_its_reasoning(model):
    lines = [line.strip() for line in inspect.getsource(model).splitlines()]
    for name in model.model_fields:
        index = next(i for i, line in enumerate(lines) if line.startswith(f"{name}:"))
        assert lines[index - 1].startswith("#"), f"{model.__name__}.{name} has no comment"


def test_invalid_thresholds_are_rejected():
    with pytest.raises(ValidationError):
        DurationThresholds(history=5, min_history=8)
    with pytest.raises(ValidationError):
        SeverityBands(medium=3, high=2)
    with pytest.raises(ValidationError):
        Thresholds.model_validate({"flaky": {"min_flip": 3}})  # a typo is an error


def test_severity_bands_grade_magnitudes():
    bands = SeverityBands(medium=2.0, high=3.0)
    assert [bands.grade(v) for v in (1.0, 2.0, 2.9, 3.0)] == [
        Severity.LOW, Severity.MEDIUM, Severity.MEDIUM, Severity.HIGH]
