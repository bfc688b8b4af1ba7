from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from argus_flink.contracts import (
    AnomalyPayload,
    CodebaseIngestedEvent,
    DeadLetter,
    ErrorReportedEvent,
    HealingRequestedEvent,
    Insight,
    TestExecutedEvent,
    TestFailedEvent,
    TestMetricsPayload,
    TestStatus,
    dead_letter_key,
    format_timestamp,
    stable_insight_id,
    to_json_bytes,
)
from . import samples


def test_valid_test_executed_event_round_trips_with_contract_names():
    event = TestExecutedEvent.model_validate(samples.test_executed())

    assert event.status is TestStatus.FAILED
    assert event.timestamp == datetime(2026, 11, 21, 10, 0, 0, 123_000, tzinfo=UTC)
    again = TestExecutedEvent.model_validate_json(to_json_bytes(event))
    assert again == event
    assert b'"timestamp":"2026-11-21T10:00:00.123Z"' in to_json_bytes(event)


def test_defaults_apply_to_optional_fields():
    minimal = {k: v for k, v in samples.test_executed().items() if v is not None}
    for optional in ("version", "is_flaky", "flaky_confidence", "error_message"):
        minimal.pop(optional, None)

    event = TestExecutedEvent.model_validate(minimal)

    assert (event.version, event.is_flaky, event.flaky_confidence) == ("1.0", False, 0.0)
    assert event.user_id is None


def test_unknown_fields_are_ignored():
    event = TestExecutedEvent.model_validate(samples.test_executed(added_by_producer={"x": 1}))

    assert "added_by_producer" not in event.model_dump()


def test_timestamps_are_normalised_to_utc_with_millisecond_z_format():
    event = TestExecutedEvent.model_validate(
        samples.test_executed(timestamp="2026-11-21T12:00:00.5+02:00")
    )

    assert event.timestamp == datetime(2026, 11, 21, 10, 0, 0, 500_000, tzinfo=UTC)
    assert format_timestamp(event.timestamp) == "2026-11-21T10:00:00.500Z"
    assert format_timestamp(datetime(2026, 1, 2, 3, 4, 5, 678_999, tzinfo=UTC)) == (
        "2026-01-02T03:04:05.678Z"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "broken"),
        ("status", "PASSED"),
        ("duration_ms", "12"),
        ("duration_ms", 1.5),
        ("duration_ms", 12.0),
        ("duration_ms", -1),
        ("duration_ms", True),
        ("duration_ms", None),
        ("is_flaky", "true"),
        ("is_flaky", 1),
        ("flaky_confidence", 1.01),
        ("flaky_confidence", -0.1),
        ("flaky_confidence", "0.5"),
        ("timestamp", "2026-11-21T10:00:00"),  # no zone: not an instant
        ("timestamp", 1_795_000_000),
        ("timestamp", "yesterday"),
        ("org_id", ""),
        ("org_id", "   "),
        ("org_id", None),
        ("org_id", 42),
        ("test_id", None),
        ("run_id", ""),
        ("source", None),
        ("event_id", ""),
    ],
)
def test_test_executed_rejects_each_rule_violation(field, value):
    with pytest.raises(ValidationError) as caught:
        TestExecutedEvent.model_validate(samples.test_executed(**{field: value}))

    assert caught.value.errors()[0]["loc"][0] == field


@pytest.mark.parametrize("field", ["event_id", "event_type", "timestamp", "org_id", "source"])
def test_base_fields_are_required(field):
    event = samples.test_executed()
    del event[field]

    with pytest.raises(ValidationError):
        TestExecutedEvent.model_validate(event)


def test_flaky_confidence_accepts_integral_bounds():
    event = TestExecutedEvent.model_validate(samples.test_executed(flaky_confidence=1))

    assert event.flaky_confidence == 1.0


@pytest.mark.parametrize("status", ["failed", "error"])
def test_failed_topic_model_accepts_failures(status):
    assert TestFailedEvent.model_validate(samples.test_executed(status=status)).status == status


@pytest.mark.parametrize("status", ["passed", "skipped"])
def test_failed_topic_model_rejects_non_failures(status):
    with pytest.raises(ValidationError, match="only status failed or error"):
        TestFailedEvent.model_validate(samples.test_executed(status=status))


def test_error_reported_event_has_nested_exception():
    event = ErrorReportedEvent.model_validate(samples.error_reported())

    assert event.exception.type == "TypeError"
    assert event.related_test_ids == ["t-1"]
    with pytest.raises(ValidationError) as caught:
        ErrorReportedEvent.model_validate(samples.error_reported(exception={"value": "x"}))
    assert caught.value.errors()[0]["loc"] == ("exception", "type")


def test_codebase_ingested_event_validates_files_changed_items():
    event = CodebaseIngestedEvent.model_validate(samples.codebase_ingested())

    assert event.files_changed[0].additions == 10
    bad_change = {"path": "a.py", "change_type": "modified", "additions": "3", "deletions": 0}
    with pytest.raises(ValidationError) as caught:
        CodebaseIngestedEvent.model_validate(samples.codebase_ingested(files_changed=[bad_change]))
    assert caught.value.errors()[0]["loc"] == ("files_changed", 0, "additions")
    with pytest.raises(ValidationError):
        CodebaseIngestedEvent.model_validate(samples.codebase_ingested(pr_number="42"))


def test_events_without_specified_fields_keep_whatever_arrives():
    event = HealingRequestedEvent.model_validate(
        {**samples.base("healing.requested"), "selector": "#buy", "attempt": 2}
    )

    assert event.model_dump()["selector"] == "#buy"
    assert b'"attempt":2' in to_json_bytes(event)


def _insight(insight_type: str, payload: dict) -> dict:
    return {
        "insight_id": stable_insight_id(insight_type, samples.ORG, "w1"),
        "insight_type": insight_type,
        "org_id": samples.ORG,
        "project_id": samples.PROJECT,
        "window_start": "2026-11-21T10:00:00Z",
        "window_end": "2026-11-21T10:05:00Z",
        "generated_at": "2026-11-21T10:05:01.5Z",
        "payload": payload,
    }


METRICS = {
    "total": 10, "passed": 7, "failed": 1, "skipped": 1, "errored": 1, "flaky": 2,
    "pass_rate": 7 / 9, "avg_duration_ms": 120.5, "p95_duration_ms": 300.0,
}  # fmt: skip
ANOMALY = {
    "anomaly_kind": "duration_regression", "subject": "t-1", "observed": 3000.0,
    "baseline": 1000.0, "score": 6.2, "severity": "high",
}  # fmt: skip
SIMILAR = {
    "fingerprint": "fp1",
    "similar_fingerprints": [{"fingerprint": "fp2", "similarity": 0.93}],
    "sample_message": "TimeoutError: locator.click: Timeout 30000ms exceeded.",
    "occurrences": 4,
}


@pytest.mark.parametrize(
    ("insight_type", "payload", "model"),
    [("test_metrics", METRICS, TestMetricsPayload), ("anomaly", ANOMALY, AnomalyPayload)],
)
def test_insight_payload_follows_its_type(insight_type, payload, model):
    insight = Insight.model_validate(_insight(insight_type, payload))

    assert isinstance(insight.payload, model)
    assert Insight.model_validate_json(to_json_bytes(insight)) == insight


def test_similar_failure_insight_and_open_insight_types():
    assert Insight.model_validate(_insight("similar_failure", SIMILAR)).payload.occurrences == 4
    custom = Insight.model_validate(_insight("custom_kind", {"anything": 1}))
    assert custom.payload == {"anything": 1}


def test_insight_rejects_a_payload_of_the_wrong_type():
    with pytest.raises(ValidationError, match="not a valid anomaly payload"):
        Insight.model_validate(_insight("anomaly", METRICS))
    with pytest.raises(ValidationError):
        Insight.model_validate(_insight("test_metrics", {**METRICS, "pass_rate": 1.5}))


def test_null_pass_rate_is_allowed():
    insight = Insight.model_validate(_insight("test_metrics", {**METRICS, "pass_rate": None}))

    assert insight.payload.pass_rate is None


def test_stable_insight_id_is_deterministic_and_distinguishes_parts():
    first = stable_insight_id("anomaly", "org", "project", "2026-11-21T10:00:00Z")

    assert first == stable_insight_id("anomaly", "org", "project", "2026-11-21T10:00:00Z")
    assert first != stable_insight_id("anomaly", "org", "project", "2026-11-21T10:05:00Z")
    assert stable_insight_id("a", "bc") != stable_insight_id("ab", "c")


def test_dead_letter_key_is_org_id_when_known():
    letter = DeadLetter(
        reason="late_event",
        detail="arrived after the watermark",
        source_topic="argus.test.executed",
        job="test-metrics",
        original="{}",
        failed_at=datetime(2026, 11, 21, tzinfo=UTC),
        org_id="org-1",
    )

    assert dead_letter_key(letter) == b"org-1"
    assert dead_letter_key(letter.model_copy(update={"org_id": None})) is None
    assert b'"failed_at":"2026-11-21T00:00:00.000Z"' in to_json_bytes(letter)
