"""Turn one Kafka record into a validated event or a dead letter; never raise for bad input.

Checks run cheapest first: size before decoding, JSON before the schema, and the tenant
before the other fields, because without an org_id a record cannot even be keyed.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from argus_flink.contracts.events import (
    BaseEvent,
    CodebaseAnalyzedEvent,
    CodebaseIngestedEvent,
    DeadLetter,
    ErrorReportedEvent,
    HealingCompletedEvent,
    HealingRequestedEvent,
    Reason,
    TestCreatedEvent,
    TestExecutedEvent,
    TestFailedEvent,
    Topic,
    summarize_errors,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ORIGINAL_LIMIT_BYTES",
    "TOPIC_MODELS",
    "ParsedEvent",
    "Reason",
    "make_dead_letter",
    "parse",
    "peek_org_id",
]

DEFAULT_MAX_BYTES = 1_048_576
ORIGINAL_LIMIT_BYTES = 64 * 1024

TOPIC_MODELS: dict[str, type[BaseEvent]] = {
    Topic.CODEBASE_INGESTED: CodebaseIngestedEvent,
    Topic.CODEBASE_ANALYZED: CodebaseAnalyzedEvent,
    Topic.TEST_CREATED: TestCreatedEvent,
    Topic.TEST_EXECUTED: TestExecutedEvent,
    Topic.TEST_FAILED: TestFailedEvent,
    Topic.ERROR_REPORTED: ErrorReportedEvent,
    Topic.HEALING_REQUESTED: HealingRequestedEvent,
    Topic.HEALING_COMPLETED: HealingCompletedEvent,
}


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """A valid event with the Kafka position it was read from."""

    topic: str
    event: BaseEvent
    partition: int | None = None
    offset: int | None = None

    @property
    def key(self) -> bytes:
        return self.event.org_id.encode()


class _Rejected(Exception):
    def __init__(self, reason: Reason, detail: str, document: Any = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.document = document


def parse(
    topic: str,
    value: bytes | None,
    *,
    partition: int | None = None,
    offset: int | None = None,
    job: str = "unknown",
    max_bytes: int = DEFAULT_MAX_BYTES,
    now: datetime | None = None,
) -> ParsedEvent | DeadLetter:
    """Validate ``value`` against the model of ``topic``; a DeadLetter says why it failed."""
    try:
        model = _model_for(topic)
        document = _decode_object(value, max_bytes)
        _require_org_id(document)
        try:
            event = model.model_validate(document)
        except ValidationError as exc:
            raise _Rejected(Reason.SCHEMA_VIOLATION, summarize_errors(exc), document) from None
    except _Rejected as rejected:
        document = rejected.document
        org_id = _org_id_of(document) if document is not None else peek_org_id(value, max_bytes)
        return make_dead_letter(
            rejected.reason,
            rejected.detail,
            value=value,
            topic=topic,
            partition=partition,
            offset=offset,
            job=job,
            org_id=org_id,
            now=now,
        )
    return ParsedEvent(topic=topic, event=event, partition=partition, offset=offset)


def _model_for(topic: str) -> type[BaseEvent]:
    model = TOPIC_MODELS.get(topic)
    if model is None:
        raise _Rejected(Reason.UNKNOWN_TOPIC, f"no event contract for topic {topic!r}")
    return model


def _decode_object(value: bytes | None, max_bytes: int) -> dict[str, Any]:
    if value is None:
        raise _Rejected(Reason.INVALID_JSON, "record has no value (tombstone)")
    if len(value) > max_bytes:
        raise _Rejected(
            Reason.PAYLOAD_TOO_LARGE, f"value is {len(value)} bytes, the limit is {max_bytes}"
        )
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        detail = f"value is not UTF-8: {exc.reason} at byte {exc.start}"
        raise _Rejected(Reason.INVALID_JSON, detail) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Rejected(
            Reason.INVALID_JSON, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise _Rejected(Reason.INVALID_JSON, "JSON nests too deeply") from None
    if not isinstance(document, dict):
        kind = type(document).__name__
        raise _Rejected(Reason.INVALID_JSON, f"JSON value is a {kind}, expected an object")
    return document


def _require_org_id(document: dict[str, Any]) -> None:
    if "org_id" not in document:
        raise _Rejected(Reason.MISSING_ORG_ID, "org_id is missing", document)
    org_id = document["org_id"]
    if org_id is None:
        raise _Rejected(Reason.MISSING_ORG_ID, "org_id is null", document)
    if isinstance(org_id, str) and not org_id.strip():
        raise _Rejected(Reason.MISSING_ORG_ID, "org_id is empty", document)


def _org_id_of(document: Any) -> str | None:
    if isinstance(document, dict):
        org_id = document.get("org_id")
        if isinstance(org_id, str) and org_id.strip():
            return org_id
    return None


def peek_org_id(value: bytes | None, max_bytes: int = DEFAULT_MAX_BYTES) -> str | None:
    """The org_id of a JSON object value, even one that fails validation; None if unknown."""
    if value is None or len(value) > max_bytes:
        return None
    try:
        return _org_id_of(json.loads(value))
    except (ValueError, RecursionError):  # JSON and UTF-8 errors are ValueErrors
        return None


def _truncated_text(value: bytes) -> tuple[str, bool]:
    """The value as text, at most 64 KiB of UTF-8, and whether anything was cut."""
    head = value[:ORIGINAL_LIMIT_BYTES]
    cut = len(value) > ORIGINAL_LIMIT_BYTES
    # A cut may split a multi-byte character; the incremental decoder holds that tail back.
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(head, final=not cut)
    encoded = text.encode()
    if len(encoded) > ORIGINAL_LIMIT_BYTES:  # replacement characters take 3 bytes each
        text = encoded[:ORIGINAL_LIMIT_BYTES].decode("utf-8", "ignore")
        cut = True
    return text, cut


def make_dead_letter(
    reason: Reason | str,
    detail: str,
    *,
    value: bytes | None,
    topic: str | None,
    partition: int | None = None,
    offset: int | None = None,
    job: str,
    org_id: str | None = None,
    now: datetime | None = None,
) -> DeadLetter:
    """Build a DeadLetter for ``value``; jobs use it directly for late events and sink errors."""
    original, truncated = _truncated_text(value) if value is not None else (None, False)
    return DeadLetter(
        reason=reason,
        detail=detail,
        source_topic=topic,
        source_partition=partition,
        source_offset=offset,
        job=job,
        original=original,
        original_truncated=truncated,
        failed_at=now or datetime.now(UTC),
        org_id=org_id,
    )
