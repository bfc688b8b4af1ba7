"""Which input events are failures, and their fingerprint: a pure mapping to ``FailureEvent``.

Fingerprints come from ``udfs.failure_text``, the same function the knowledge-graph job keys
its ``Error`` nodes on, so a failure pattern and an Error node of one failure share one
fingerprint.
"""

from __future__ import annotations

from argus_flink.contracts import ErrorReportedEvent, ParsedEvent, TestExecutedEvent
from argus_flink.failures.records import FailureEvent
from argus_flink.graph.rows import to_row
from argus_flink.runtime.routing import epoch_millis
from udfs.failure_text import parts_from_event, sample_message, signature

FAILED_STATUSES = frozenset({"failed", "error"})


def failure_event(parsed: ParsedEvent) -> FailureEvent | None:
    """The failure an event reports; None for passed or skipped tests, other event types, and
    failures that carry neither a message nor a stack trace."""
    event = parsed.event
    if isinstance(event, TestExecutedEvent):  # also TestFailedEvent, from argus.test.failed
        if event.status.value not in FAILED_STATUSES:
            return None
        document = {"event_type": event.event_type, "error_message": event.error_message,
                    "stack_trace": event.stack_trace}
    elif isinstance(event, ErrorReportedEvent):
        document = event.model_dump(include={"event_type", "exception", "title"})
    else:
        return None
    parts = parts_from_event(document)
    if parts is None:
        return None
    failure = signature(event.org_id, parts)
    return FailureEvent(
        event_id=event.event_id,
        org_id=event.org_id,
        project_id=event.project_id or None,
        fingerprint=failure.fingerprint,
        text=failure.text,
        sample_message=sample_message(parts),
        at=epoch_millis(event.timestamp),
    )


def failure_event_row(parsed: ParsedEvent):
    """``failure_event`` as a Flink Row: the ``to_row`` the job's parse step calls."""
    return to_row(failure_event(parsed))
