"""From one GraphUpdate to the statement rows it feeds (pure): which nodes, relationships and
absolute values one source record puts in the graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from argus_flink.contracts import format_timestamp
from argus_flink.graph import statements as st
from argus_flink.graph.records import EventKind, GraphUpdate

StatementRow = tuple[st.Statement, dict]


def iso(millis: int | None) -> str | None:
    """RFC 3339 UTC with milliseconds: readable in query output and sortable as text."""
    if millis is None:
        return None
    return format_timestamp(datetime.fromtimestamp(millis / 1000, UTC))


def _present(values: dict) -> dict:
    # SET n += {k: null} would delete k; a value this record does not know must not erase it.
    return {key: value for key, value in values.items() if value is not None}


def statement_rows(update: GraphUpdate) -> list[StatementRow]:
    return list(_rows(update))


def _rows(update: GraphUpdate) -> Iterator[StatementRow]:
    event, org = update.event, update.org_id
    if event.project_id is not None:
        yield st.PROJECTS, {"org_id": org, "project_id": event.project_id}
    else:
        yield st.ORGS, {"org_id": org}
    if event.kind == EventKind.TEST_RESULT:
        yield from _test_result(update)
    elif event.kind == EventKind.ERROR_REPORT:
        yield from _error_report(update)
    elif event.kind == EventKind.COMMIT:
        yield from _commit(update)


def _test_result(update: GraphUpdate) -> Iterator[StatementRow]:
    event, org, summary = update.event, update.org_id, update.test
    test = {"org_id": org, "test_id": event.test_id}
    props = {"name": event.test_name, "file_path": event.test_file,
             "project_id": event.project_id}
    if summary is not None:
        props |= {
            "runs": summary.runs,
            "failures": summary.failures,
            "skips": summary.skips,
            "last_status": summary.last_status,
            "last_run_at": iso(summary.last_run_at),
            "last_failed_at": iso(summary.last_failed_at),
            "recent_runs": summary.recent_runs,
            "recent_failures": summary.recent_failures,
            "recent_failure_rate": summary.recent_failure_rate,
        }
    yield st.TESTS, {**test, "props": _present(props)}
    if event.project_id is not None:
        yield st.HAS_TEST, {**test, "project_id": event.project_id}
    if event.test_file is not None:
        # The file that defines a test is one it covers: a change to it changes the test.
        yield st.COVERS, {**test, "path": event.test_file}
    yield st.EXECUTED, {
        **test,
        "run_id": event.run_id,
        "run": _present({"project_id": event.project_id, "commit_sha": event.commit_sha}),
        "status": event.status,
        "duration_ms": event.duration_ms,
        "at": iso(event.at),
    }
    if event.fingerprint is not None:
        yield from _error(update)
        if update.failed_with is not None:
            yield st.FAILED_WITH, {
                **test,
                "fingerprint": event.fingerprint,
                "occurrences": update.failed_with.occurrences,
                "first_seen": iso(update.failed_with.first_seen),
                "last_seen": iso(update.failed_with.last_seen),
            }


def _error(update: GraphUpdate) -> Iterator[StatementRow]:
    event, summary = update.event, update.error
    props = {"project_id": event.project_id}
    if summary is not None:
        props |= {
            "occurrences": summary.occurrences,
            "first_seen": iso(summary.first_seen),
            "last_seen": iso(summary.last_seen),
            "error_type": summary.error_type,
            "sample_message": summary.sample_message,
        }
    yield st.ERRORS, {"org_id": update.org_id, "fingerprint": event.fingerprint,
                      "props": _present(props)}


def _error_report(update: GraphUpdate) -> Iterator[StatementRow]:
    event, org = update.event, update.org_id
    if event.fingerprint is not None:
        yield from _error(update)
        for path in event.affected_files:
            yield st.AFFECTS, {"org_id": org, "fingerprint": event.fingerprint, "path": path}
    # The tests the tracker relates to an error exercise the files it surfaced in.
    for test_id in event.related_test_ids:
        for path in event.affected_files:
            yield st.COVERS, {"org_id": org, "test_id": test_id, "path": path}


def _commit(update: GraphUpdate) -> Iterator[StatementRow]:
    event, org = update.event, update.org_id
    yield st.COMMITS, {"org_id": org, "sha": event.commit_sha, "props": _present({
        "project_id": event.project_id,
        "branch": event.branch,
        "repo_url": event.repo_url,
        "pr_number": event.pr_number,
        "at": iso(event.at),
    })}
    for change in event.changes:
        yield st.CHANGED, {"org_id": org, "sha": event.commit_sha, "path": change.path,
                           "change_type": change.change_type, "additions": change.additions,
                           "deletions": change.deletions}
