"""Flags as contract Insights and anomalies rows: deterministic ids, exact payloads."""

from __future__ import annotations

from datetime import UTC, datetime

from argus_flink.contracts import AnomalyKind, Insight, Severity, stable_insight_id
from udfs.anomaly.insights import ANOMALY_ROW_FIELDS, anomaly_row_values, insight_id, to_insight
from udfs.anomaly.records import AnomalyFlag

START = 1_772_409_600_000  # 2026-03-02T00:00:00Z


def flag(**changes) -> AnomalyFlag:
    fields = dict(org_id="org-1", project_id="proj-1", kind=AnomalyKind.DURATION_REGRESSION,
                  subject="test-1", observed=400.0, baseline=100.0, score=27.7,
                  severity=Severity.HIGH, incident_start=START, window_start=START,
                  window_end=START + 1_200_000, detected_at=START + 1_200_000)
    fields.update(changes)
    return AnomalyFlag(**fields)


def test_the_insight_id_names_the_incident_not_the_evidence():
    assert insight_id(flag()) == stable_insight_id(
        "anomaly", "org-1", "duration_regression", "test-1", "2026-03-02T00:00:00.000Z")
    assert insight_id(flag(observed=900.0, detected_at=START + 9)) == insight_id(flag())
    assert insight_id(flag(incident_start=START + 1)) != insight_id(flag())
    assert insight_id(flag(org_id="org-2")) != insight_id(flag())


def test_the_insight_follows_the_contract_and_round_trips_as_json():
    insight = to_insight(flag())
    again = Insight.model_validate_json(insight.model_dump_json())
    assert again == insight
    assert insight.model_dump(mode="json") == {
        "insight_id": insight_id(flag()),
        "insight_type": "anomaly",
        "org_id": "org-1",
        "project_id": "proj-1",
        "window_start": "2026-03-02T00:00:00.000Z",
        "window_end": "2026-03-02T00:20:00.000Z",
        "generated_at": "2026-03-02T00:20:00.000Z",
        "payload": {"anomaly_kind": "duration_regression", "subject": "test-1",
                    "observed": 400.0, "baseline": 100.0, "score": 27.7, "severity": "high"},
    }


def test_a_flaky_flag_has_no_baseline():
    insight = to_insight(flag(kind=AnomalyKind.FLAKY_TEST, baseline=None))
    assert insight.payload.baseline is None


def test_the_anomalies_row_lists_its_columns_in_order():
    values = anomaly_row_values(flag())
    assert dict(zip(ANOMALY_ROW_FIELDS, values, strict=True)) == {
        "insight_id": insight_id(flag()), "org_id": "org-1", "project_id": "proj-1",
        "anomaly_kind": "duration_regression", "subject": "test-1", "observed": 400.0,
        "baseline": 100.0, "score": 27.7, "severity": "high", "window_start_ms": START,
        "detected_at_ms": START + 1_200_000}
    assert datetime.fromtimestamp(values[-2] / 1000, UTC) == datetime(2026, 3, 2, tzinfo=UTC)


def test_flags_round_trip_through_their_flat_values():
    assert AnomalyFlag.from_values(flag().to_values()) == flag()
