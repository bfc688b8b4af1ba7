from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from argus_flink.contracts import (
    ORIGINAL_LIMIT_BYTES,
    DeadLetter,
    ParsedEvent,
    Reason,
    TestExecutedEvent,
    TestFailedEvent,
    make_dead_letter,
    parse,
    to_json_bytes,
)
from . import samples

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
EXECUTED = "argus.test.executed"


def _value(document: dict) -> bytes:
    return json.dumps(document).encode()


def _dead(topic: str, value: bytes | None, **kwargs) -> DeadLetter:
    result = parse(topic, value, partition=3, offset=17, job="test-metrics", now=NOW, **kwargs)
    assert isinstance(result, DeadLetter), result
    return result


def test_valid_event_parses_with_its_position():
    result = parse(EXECUTED, _value(samples.test_executed()), partition=2, offset=9)

    assert isinstance(result, ParsedEvent)
    assert isinstance(result.event, TestExecutedEvent)
    assert (result.topic, result.partition, result.offset) == (EXECUTED, 2, 9)
    assert result.key == samples.ORG.encode()


def test_topic_decides_the_model():
    failed = parse("argus.test.failed", _value(samples.test_executed(status="error")))
    error = parse("argus.error.reported", _value(samples.error_reported()))
    commit = parse("argus.codebase.ingested", _value(samples.codebase_ingested()))

    assert isinstance(failed.event, TestFailedEvent)
    assert error.event.exception.type == "TypeError"
    assert commit.event.commit_sha == "a" * 40


def test_passed_result_on_the_failed_topic_is_a_schema_violation():
    letter = _dead("argus.test.failed", _value(samples.test_executed(status="passed")))

    assert letter.reason == Reason.SCHEMA_VIOLATION
    assert letter.detail.startswith("status:")


def test_dead_letter_records_where_the_value_came_from():
    value = b"{not json"
    letter = _dead(EXECUTED, value)

    assert (letter.source_topic, letter.source_partition, letter.source_offset) == (EXECUTED, 3, 17)
    assert (letter.job, letter.failed_at, letter.original) == ("test-metrics", NOW, "{not json")
    assert letter.original_truncated is False


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        (b"{not json", "not JSON"),
        (b"", "not JSON"),
        (b'{"org_id": "x"', "not JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "expected an object"),
        (b'"just a string"', "expected an object"),
        (b"null", "expected an object"),
        (None, "tombstone"),
        (b"[" * 100_000, "nests too deeply"),
    ],
)
def test_invalid_json(value, detail):
    letter = _dead(EXECUTED, value)

    assert letter.reason == Reason.INVALID_JSON
    assert detail in letter.detail
    assert letter.org_id is None


def test_size_is_checked_before_decoding():
    letter = _dead(EXECUTED, b"\xff" * 2_000, max_bytes=1_000)

    assert letter.reason == Reason.PAYLOAD_TOO_LARGE
    assert "2000 bytes" in letter.detail


def test_oversized_valid_event_is_too_large_and_truncated():
    event = samples.test_executed(stack_trace="x" * 1_100_000)
    letter = _dead(EXECUTED, _value(event))

    assert letter.reason == Reason.PAYLOAD_TOO_LARGE
    assert letter.original_truncated is True
    assert len(letter.original.encode()) == ORIGINAL_LIMIT_BYTES
    assert letter.org_id is None  # a too-large value is not decoded, not even for the key


@pytest.mark.parametrize(
    ("change", "detail"),
    [({"org_id": None}, "null"), ({"org_id": ""}, "empty"), ({"org_id": "  "}, "empty")],
)
def test_missing_org_id_when_null_or_empty(change, detail):
    letter = _dead(EXECUTED, _value(samples.test_executed(**change)))

    assert letter.reason == Reason.MISSING_ORG_ID
    assert detail in letter.detail
    assert letter.kafka_key() is None


def test_missing_org_id_when_absent():
    event = samples.test_executed()
    del event["org_id"]

    assert _dead(EXECUTED, _value(event)).reason == Reason.MISSING_ORG_ID


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"duration_ms": "12"}, "duration_ms"),
        ({"duration_ms": -5}, "duration_ms"),
        ({"status": "timeout"}, "status"),
        ({"is_flaky": "yes"}, "is_flaky"),
        ({"flaky_confidence": 2}, "flaky_confidence"),
        ({"timestamp": "2026-11-21 10:00"}, "timestamp"),
        ({"org_id": 7}, "org_id"),
    ],
)
def test_schema_violation_names_the_field(change, field):
    letter = _dead(EXECUTED, _value(samples.test_executed(**change)))

    assert letter.reason == Reason.SCHEMA_VIOLATION
    assert letter.detail.startswith(f"{field}:")
    assert len(letter.detail) < 200


def test_schema_violation_lists_missing_fields_and_keeps_the_org_as_key():
    letter = _dead(EXECUTED, b'{"org_id": "org-9", "event_id": "e"}')

    assert letter.reason == Reason.SCHEMA_VIOLATION
    assert letter.detail.startswith("missing event_type, timestamp, source, test_id")
    assert letter.org_id == "org-9"
    assert letter.kafka_key() == b"org-9"


def test_unknown_topic():
    letter = _dead("argus.nope", _value(samples.test_executed()))

    assert letter.reason == Reason.UNKNOWN_TOPIC
    assert letter.org_id == samples.ORG


def test_original_over_64_kib_is_truncated_on_a_character_boundary():
    value = ("é" * 40_000 + "{").encode()  # 80 001 bytes of two-byte characters: not JSON
    letter = _dead(EXECUTED, value)

    assert letter.reason == Reason.INVALID_JSON
    assert letter.original_truncated is True
    assert letter.original == "é" * (ORIGINAL_LIMIT_BYTES // 2)


def test_original_with_invalid_bytes_is_replaced_and_kept_within_64_kib():
    letter = _dead(EXECUTED, b"\xff" * 60_000)

    assert letter.original_truncated is True  # 60 000 replacement characters exceed 64 KiB
    assert set(letter.original) == {"\ufffd"}
    assert len(letter.original.encode()) <= ORIGINAL_LIMIT_BYTES


def test_small_original_is_not_truncated():
    letter = _dead(EXECUTED, b"x" * ORIGINAL_LIMIT_BYTES)

    assert letter.original_truncated is False
    assert len(letter.original) == ORIGINAL_LIMIT_BYTES


def test_jobs_build_late_event_dead_letters_with_the_same_helper():
    value = _value(samples.test_executed())
    letter = make_dead_letter(
        Reason.LATE_EVENT,
        "event time 10:00:00 is behind the watermark 10:05:00",
        value=value,
        topic=EXECUTED,
        partition=0,
        offset=5,
        job="test-metrics",
        org_id=samples.ORG,
        now=NOW,
    )

    decoded = json.loads(to_json_bytes(letter))
    assert decoded["reason"] == "late_event"
    assert decoded["original"] == value.decode()
    assert set(decoded) >= {
        "reason", "detail", "source_topic", "source_partition", "source_offset", "job",
        "original", "original_truncated", "failed_at",
    }  # fmt: skip
    assert DeadLetter.model_validate_json(to_json_bytes(letter)) == letter


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.binary(max_size=300)), st.sampled_from([EXECUTED, "argus.dlq"]))
def test_parse_never_raises_on_arbitrary_bytes(value, topic):
    result = parse(topic, value, now=NOW)

    assert isinstance(result, ParsedEvent | DeadLetter)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(list(samples.test_executed())),
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    )
)
def test_parse_never_raises_on_arbitrary_field_values(changes):
    value = json.dumps(samples.test_executed(**changes)).encode()

    assert isinstance(parse(EXECUTED, value, now=NOW), ParsedEvent | DeadLetter)
