"""What each contract event says about the graph; fingerprints shared with failure-embeddings."""

from __future__ import annotations

import json

from argus_flink.contracts import ParsedEvent, Topic, parse
from argus_flink.graph.events import graph_event, graph_event_row
from argus_flink.graph.records import EventKind, FileChangeFact, GraphEvent
from argus_flink.graph.rows import from_row
from contracts import samples
from udfs.failure_text import (
    parts_from_error_reported,
    parts_from_test_executed,
    sample_message,
    signature,
)


def parsed(topic: str, document: dict) -> ParsedEvent:
    result = parse(topic, json.dumps(document).encode(), partition=1, offset=7)
    assert isinstance(result, ParsedEvent), result
    return result


def test_a_failed_test_result_carries_the_shared_per_org_fingerprint():
    document = samples.test_executed(commit_sha="abc123")
    event = graph_event(parsed(Topic.TEST_EXECUTED, document))
    parts = parts_from_test_executed(document)
    assert event.kind == EventKind.TEST_RESULT
    assert event.fingerprint == signature(document["org_id"], parts).fingerprint
    assert event.sample_message == sample_message(parts)
    assert event.error_type == "AssertionError"
    assert (event.test_id, event.run_id, event.status, event.duration_ms, event.commit_sha,
            event.test_name, event.test_file) == (
        "t-1", "run-1", "failed", 1234, "abc123", "test_adds", "tests/test_math.py")


def test_the_same_failure_on_test_failed_is_the_same_graph_event():
    document = samples.test_executed()
    assert (graph_event(parsed(Topic.TEST_FAILED, document))
            == graph_event(parsed(Topic.TEST_EXECUTED, document)))


def test_a_passed_result_has_no_fingerprint_even_with_a_message():
    event = graph_event(parsed(Topic.TEST_EXECUTED, samples.test_executed(status="passed")))
    assert event.fingerprint is None and event.status == "passed"


def test_an_error_report_fingerprints_its_exception_and_lists_tests_and_files():
    document = samples.error_reported(related_test_ids=["t-1", "", "t-2", "t-1"],
                              affected_files=["src/services/cart.ts", ""])
    event = graph_event(parsed(Topic.ERROR_REPORTED, document))
    assert event.kind == EventKind.ERROR_REPORT
    assert event.fingerprint == signature(document["org_id"],
                                          parts_from_error_reported(document)).fingerprint
    assert event.related_test_ids == ("t-1", "t-2")
    assert event.affected_files == ("src/services/cart.ts",)


def test_a_commit_lists_each_changed_path_once():
    document = samples.codebase_ingested(files_changed=[
        {"path": "a.py", "change_type": "modified", "additions": 1, "deletions": 2},
        {"path": "b.py", "change_type": "added", "additions": 3, "deletions": 0},
        {"path": "a.py", "change_type": "renamed", "additions": 4, "deletions": 5},
    ])
    event = graph_event(parsed(Topic.CODEBASE_INGESTED, document))
    assert event.kind == EventKind.COMMIT
    assert event.changes == (FileChangeFact("a.py", "renamed", 4, 5),
                             FileChangeFact("b.py", "added", 3, 0))


def test_the_row_of_an_event_reads_back_as_the_same_event():
    event = graph_event(parsed(Topic.CODEBASE_INGESTED, samples.codebase_ingested()))
    assert from_row(GraphEvent, graph_event_row(parsed(Topic.CODEBASE_INGESTED,
                                                       samples.codebase_ingested()))) == event
