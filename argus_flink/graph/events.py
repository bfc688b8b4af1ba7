"""What each valid input event says about the graph: a pure mapping to ``GraphEvent``.

Error fingerprints come from ``udfs.failure_text``, the same function the failure-embeddings
job keys ``failure_patterns`` on, so an Error node and a failure pattern of one failure share
one fingerprint.
"""

from __future__ import annotations

from collections.abc import Iterable

from argus_flink.contracts import (
    CodebaseIngestedEvent,
    ErrorReportedEvent,
    ParsedEvent,
    TestExecutedEvent,
)
from argus_flink.graph.records import EventKind, FileChangeFact, GraphEvent
from argus_flink.graph.rows import to_row
from argus_flink.runtime.routing import epoch_millis
from udfs.failure_text import (
    parts_from_error_reported,
    parts_from_test_executed,
    sample_message,
    signature,
)


def graph_event(parsed: ParsedEvent) -> GraphEvent | None:
    """The graph facts of one event; None for events the graph has no use for."""
    event = parsed.event
    if isinstance(event, TestExecutedEvent):  # also TestFailedEvent, from argus.test.failed
        return _test_result(event)
    if isinstance(event, ErrorReportedEvent):
        return _error_report(event)
    if isinstance(event, CodebaseIngestedEvent):
        return _commit(event)
    return None


def graph_event_row(parsed: ParsedEvent):
    """``graph_event`` as a Flink Row: the ``to_row`` the parse step of the job calls."""
    return to_row(graph_event(parsed))


def _base(event, kind: EventKind) -> dict:
    return {
        "kind": kind.value,
        "event_id": event.event_id,
        "org_id": event.org_id,
        "project_id": event.project_id or None,
        "at": epoch_millis(event.timestamp),
    }


def _test_result(event: TestExecutedEvent) -> GraphEvent:
    status = event.status.value
    failure = {}
    if status in ("failed", "error"):
        parts = parts_from_test_executed({"error_message": event.error_message,
                                          "stack_trace": event.stack_trace})
        if parts is not None:
            failure = {
                "fingerprint": signature(event.org_id, parts).fingerprint,
                "error_type": parts.error_type or None,
                "sample_message": sample_message(parts),
            }
    return GraphEvent(
        **_base(event, EventKind.TEST_RESULT),
        test_id=event.test_id,
        test_name=event.test_name or None,
        test_file=event.file_path or None,
        run_id=event.run_id,
        status=status,
        duration_ms=event.duration_ms,
        commit_sha=event.commit_sha or None,
        **failure,
    )


def _error_report(event: ErrorReportedEvent) -> GraphEvent:
    parts = parts_from_error_reported(event.model_dump(include={"exception", "title"}))
    failure = {}
    if parts is not None:
        failure = {
            "fingerprint": signature(event.org_id, parts).fingerprint,
            "error_type": parts.error_type or None,
            "sample_message": sample_message(parts),
        }
    return GraphEvent(
        **_base(event, EventKind.ERROR_REPORT),
        related_test_ids=_distinct(event.related_test_ids),
        affected_files=_distinct(event.affected_files),
        **failure,
    )


def _commit(event: CodebaseIngestedEvent) -> GraphEvent:
    changes: dict[str, FileChangeFact] = {}
    for change in event.files_changed:  # a path listed twice: the last entry wins
        changes[change.path] = FileChangeFact(change.path, change.change_type,
                                              change.additions, change.deletions)
    return GraphEvent(
        **_base(event, EventKind.COMMIT),
        commit_sha=event.commit_sha,
        branch=event.branch or None,
        repo_url=event.repo_url or None,
        pr_number=event.pr_number,
        changes=tuple(changes.values()),
    )


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values, first occurrence kept, order preserved."""
    return tuple(dict.fromkeys(value for value in values if value))
