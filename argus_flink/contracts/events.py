"""Pydantic models of the wire contracts in ``contracts.md``.

Input events tolerate unknown fields (producers may add some) and reject values that break a
rule of the contract. Where the contract says integer or bool the type is strict, so a string
``"12"`` or a float ``1.5`` is a violation rather than something silently coerced.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from argus_flink.topics import Topic  # re-exported: the topic names live with their specs


# --- field types ---------------------------------------------------------------------------


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with millisecond precision and a ``Z`` suffix."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.removesuffix("+00:00") + "Z"


def _reject_numbers(value: Any) -> Any:
    # pydantic would read a number as a Unix time; the contract only allows RFC 3339 strings.
    if isinstance(value, int | float):
        raise ValueError("expected an RFC 3339 timestamp string")
    return value


def _as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


UtcTimestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_reject_numbers),
    AfterValidator(_as_utc),
    PlainSerializer(format_timestamp, return_type=str, when_used="json"),
]
NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]
# A tenant id must hold at least one non-blank character.
OrgId = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]
NonNegativeInt = Annotated[StrictInt, Field(ge=0)]
Confidence = Annotated[StrictFloat, Field(ge=0.0, le=1.0, allow_inf_nan=False)]

# --- input events --------------------------------------------------------------------------


class BaseEvent(BaseModel):
    """Fields every input event carries."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    EVENT_TYPE: ClassVar[str | None] = None

    event_id: NonEmptyStr
    event_type: NonEmptyStr
    timestamp: UtcTimestamp
    version: str = "1.0"
    org_id: OrgId
    project_id: str | None = None
    user_id: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    source: NonEmptyStr
    idempotency_key: str | None = None


class TestStatus(StrEnum):
    __test__ = False  # not a pytest test class despite the name

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"


class TestExecutedEvent(BaseEvent):
    __test__ = False  # not a pytest test class despite the name

    EVENT_TYPE: ClassVar[str | None] = "test.executed"

    test_id: NonEmptyStr
    run_id: NonEmptyStr
    status: TestStatus
    duration_ms: NonNegativeInt
    error_message: str | None = None
    stack_trace: str | None = None
    screenshot_url: str | None = None
    is_flaky: StrictBool = False
    flaky_confidence: Confidence = 0.0
    test_name: str | None = None
    file_path: str | None = None
    # Added field (the contract allows additions): the commit the run tested.
    commit_sha: str | None = None


def _failure_only(status: TestStatus) -> TestStatus:
    if status not in (TestStatus.FAILED, TestStatus.ERROR):
        raise ValueError("argus.test.failed carries only status failed or error")
    return status


class TestFailedEvent(TestExecutedEvent):
    """A TestExecutedEvent as published on ``argus.test.failed``: only failures."""

    __test__ = False

    status: Annotated[  # type: ignore[assignment]
        TestStatus,
        AfterValidator(_failure_only),
        WithJsonSchema({"type": "string", "enum": [TestStatus.FAILED, TestStatus.ERROR]}),
    ]


class ExceptionInfo(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    type: NonEmptyStr
    value: str
    stacktrace: str | None = None


class ErrorReportedEvent(BaseEvent):
    EVENT_TYPE: ClassVar[str | None] = "error.reported"

    error_id: NonEmptyStr
    title: str
    culprit: str = ""
    exception: ExceptionInfo
    contexts: dict[str, Any] = Field(default_factory=dict)
    tags: dict[str, Any] = Field(default_factory=dict)
    related_test_ids: list[str] = Field(default_factory=list)
    affected_files: list[str] = Field(default_factory=list)


class FileChange(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    path: NonEmptyStr
    change_type: NonEmptyStr  # added, modified, deleted, renamed
    additions: NonNegativeInt
    deletions: NonNegativeInt


class CodebaseIngestedEvent(BaseEvent):
    EVENT_TYPE: ClassVar[str | None] = "codebase.ingested"

    repo_url: str
    branch: str
    commit_sha: NonEmptyStr
    pr_number: StrictInt | None = None
    files_changed: list[FileChange] = Field(default_factory=list)
    diff_summary: str | None = None


class _OpenEvent(BaseEvent):
    # The contract does not list these events' own fields yet, so keep whatever arrives.
    model_config = ConfigDict(extra="allow", frozen=True)


class TestCreatedEvent(_OpenEvent):
    __test__ = False

    EVENT_TYPE: ClassVar[str | None] = "test.created"


class CodebaseAnalyzedEvent(_OpenEvent):
    EVENT_TYPE: ClassVar[str | None] = "codebase.analyzed"


class HealingRequestedEvent(_OpenEvent):
    EVENT_TYPE: ClassVar[str | None] = "healing.requested"


class HealingCompletedEvent(_OpenEvent):
    EVENT_TYPE: ClassVar[str | None] = "healing.completed"


# --- insights ------------------------------------------------------------------------------


class InsightType(StrEnum):
    TEST_METRICS = "test_metrics"
    ANOMALY = "anomaly"
    SIMILAR_FAILURE = "similar_failure"


class AnomalyKind(StrEnum):
    FAILURE_RATE_SPIKE = "failure_rate_spike"
    DURATION_REGRESSION = "duration_regression"
    FLAKY_TEST = "flaky_test"
    ERROR_BURST = "error_burst"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class _Payload(BaseModel):
    # Payloads may grow fields; keep them on a round trip.
    model_config = ConfigDict(extra="allow", frozen=True)


class TestMetricsPayload(_Payload):
    __test__ = False

    total: NonNegativeInt
    passed: NonNegativeInt
    failed: NonNegativeInt
    skipped: NonNegativeInt
    errored: NonNegativeInt
    flaky: NonNegativeInt
    pass_rate: Annotated[float, Field(ge=0.0, le=1.0)] | None
    avg_duration_ms: Annotated[float, Field(ge=0.0)]
    p95_duration_ms: Annotated[float, Field(ge=0.0)]


class AnomalyPayload(_Payload):
    anomaly_kind: AnomalyKind
    subject: NonEmptyStr
    observed: float
    baseline: float | None
    score: float
    severity: Severity


class SimilarFingerprint(_Payload):
    fingerprint: NonEmptyStr
    similarity: Annotated[float, Field(ge=-1.0, le=1.0)]


class SimilarFailurePayload(_Payload):
    fingerprint: NonEmptyStr
    similar_fingerprints: list[SimilarFingerprint] = Field(default_factory=list)
    sample_message: str
    occurrences: NonNegativeInt


PAYLOAD_MODELS: dict[str, type[_Payload]] = {
    InsightType.TEST_METRICS: TestMetricsPayload,
    InsightType.ANOMALY: AnomalyPayload,
    InsightType.SIMILAR_FAILURE: SimilarFailurePayload,
}

_INSIGHT_NAMESPACE = uuid.UUID("6f1d3c1e-2b7a-5e0c-9a41-7d2f3b8c9e10")


def stable_insight_id(insight_type: str, org_id: str, *parts: object) -> str:
    """A deterministic id: the same finding always maps to the same id, so consumers can dedupe."""
    name = "\x1f".join([insight_type, org_id, *(str(part) for part in parts)])
    return str(uuid.uuid5(_INSIGHT_NAMESPACE, name))


class Insight(BaseModel):
    """Value on ``argus.insight.generated``; the payload model follows ``insight_type``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    insight_id: NonEmptyStr
    insight_type: NonEmptyStr
    org_id: OrgId
    project_id: str
    window_start: UtcTimestamp | None = None
    window_end: UtcTimestamp | None = None
    generated_at: UtcTimestamp
    payload: Annotated[
        TestMetricsPayload | AnomalyPayload | SimilarFailurePayload | dict[str, Any],
        Field(union_mode="left_to_right"),
    ]

    @model_validator(mode="after")
    def _payload_matches_type(self) -> Insight:
        expected = PAYLOAD_MODELS.get(self.insight_type)
        if expected is None or isinstance(self.payload, expected):
            return self
        raw = self.payload if isinstance(self.payload, dict) else self.payload.model_dump()
        try:
            expected.model_validate(raw)
        except ValidationError as exc:
            raise ValueError(
                f"payload is not a valid {self.insight_type} payload: {summarize_errors(exc)}"
            ) from None
        raise ValueError(f"payload is not a valid {self.insight_type} payload")


# --- dead letters --------------------------------------------------------------------------


class Reason(StrEnum):
    """Machine codes for ``DeadLetter.reason``."""

    PAYLOAD_TOO_LARGE = "payload_too_large"
    INVALID_JSON = "invalid_json"
    MISSING_ORG_ID = "missing_org_id"
    SCHEMA_VIOLATION = "schema_violation"
    UNKNOWN_TOPIC = "unknown_topic"
    LATE_EVENT = "late_event"
    SINK_ERROR = "sink_error"


class DeadLetter(BaseModel):
    """Value on ``argus.dlq``: a record a job could not use, with why and where it came from."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    reason: NonEmptyStr  # a Reason value; kept open so jobs can add codes
    detail: str
    source_topic: str | None
    source_partition: StrictInt | None = None
    source_offset: StrictInt | None = None
    job: NonEmptyStr
    original: str | None
    original_truncated: StrictBool = False
    failed_at: UtcTimestamp
    # Added field: the tenant when it could be read, which is also the Kafka key.
    org_id: str | None = None

    def kafka_key(self) -> bytes | None:
        return self.org_id.encode() if self.org_id else None


def dead_letter_key(dead_letter: DeadLetter) -> bytes | None:
    """Kafka key of a dead letter: its org_id when known, else None."""
    return dead_letter.kafka_key()


# --- serialisation -------------------------------------------------------------------------


def to_json_bytes(model: BaseModel) -> bytes:
    """Compact UTF-8 JSON with the contract's field names."""
    return model.model_dump_json().encode()


_JSON_TYPE_NAMES = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    dict: "object",
    list: "array",
    type(None): "null",
}


def _describe_input(value: Any) -> str:
    kind = _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
    if isinstance(value, dict | list):
        return kind
    text = repr(value)
    return f"{kind} {text[:40] + '…' if len(text) > 40 else text}"


def summarize_errors(exc: ValidationError, limit: int = 3) -> str:
    """Short, human-readable list of the fields pydantic rejected and why."""
    errors = exc.errors(include_url=False)
    missing = [_where(error) for error in errors if error["type"] == "missing"]
    parts = [f"missing {', '.join(missing)}"] if missing else []
    wrong = [error for error in errors if error["type"] != "missing"]
    for error in wrong[:limit]:
        message = error["msg"].removeprefix("Value error, ")
        if error["loc"]:
            message += f" (got {_describe_input(error['input'])})"
        parts.append(f"{_where(error)}: {message}")
    if len(wrong) > limit:
        parts.append(f"+{len(wrong) - limit} more")
    return "; ".join(parts)


def _where(error: Any) -> str:
    return ".".join(str(step) for step in error["loc"]) or "(value)"
