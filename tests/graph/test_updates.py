"""Statement rows and batches: fixed Cypher, data only in parameters, one row per key."""

from __future__ import annotations

import re

from argus_flink.graph import statements as st
from argus_flink.graph.records import (
    EventKind,
    FailureSummary,
    FileChangeFact,
    GraphEvent,
    GraphUpdate,
    RecentRun,
    Source,
    TestSummary,
)
from argus_flink.graph.rows import from_row, to_row
from argus_flink.graph.updates import iso, statement_rows
from argus_flink.graph.writer import compile_batch

T0 = 1_790_000_000_000
SOURCE = Source("argus.test.executed", 2, 40, '{"x": 1}')


def failed_update(runs: int, name: str | None = "adds", event_id: str = "e-1") -> GraphUpdate:
    event = GraphEvent(kind=EventKind.TEST_RESULT, event_id=event_id, org_id="o", project_id="p",
                       at=T0 + runs, test_id="t", test_name=name, test_file="tests/t.py",
                       run_id=f"r{runs}", status="failed", duration_ms=5, commit_sha="c1",
                       fingerprint="fp", error_type="E", sample_message="E: x")
    summary = TestSummary(runs=runs, failures=runs, last_status="failed", last_run_at=T0 + runs,
                          last_failed_at=T0 + runs, recent=(RecentRun(T0 + runs, True),))
    failure = FailureSummary(runs, T0, T0 + runs, "E", "E: x")
    return GraphUpdate("o", event, SOURCE, test=summary, error=failure, failed_with=failure)


def test_every_statement_takes_its_data_from_rows_only():
    for statement in st.STATEMENTS:
        assert statement.cypher.startswith("UNWIND $rows AS row\n")
        assert re.findall(r"\$\w+", statement.cypher) == ["$rows"]
        assert "org_id: row.org_id" in statement.cypher


def test_a_failed_test_result_feeds_its_nodes_relationships_and_summaries():
    rows = {statement.name: row for statement, row in statement_rows(failed_update(3))}
    assert set(rows) == {"projects", "tests", "has_test", "covers", "executed", "errors",
                         "failed_with"}
    assert rows["tests"]["props"] == {
        "name": "adds", "file_path": "tests/t.py", "project_id": "p", "runs": 3,
        "failures": 3, "skips": 0, "last_status": "failed", "last_run_at": iso(T0 + 3),
        "last_failed_at": iso(T0 + 3), "recent_runs": 1, "recent_failures": 1,
        "recent_failure_rate": 1.0}
    assert rows["executed"] == {"org_id": "o", "test_id": "t", "run_id": "r3",
                                "run": {"project_id": "p", "commit_sha": "c1"},
                                "status": "failed", "duration_ms": 5, "at": iso(T0 + 3)}
    assert rows["failed_with"]["occurrences"] == 3


def test_unknown_values_are_left_out_so_they_never_erase_known_ones():
    rows = dict((s.name, r) for s, r in statement_rows(failed_update(1, name=None)))
    assert "name" not in rows["tests"]["props"]
    assert None not in rows["tests"]["props"].values()


def test_a_batch_sends_one_row_per_key_with_the_latest_absolute_values():
    batch = dict((statement.name, rows) for statement, rows in compile_batch(
        [failed_update(1), failed_update(2, name=None), failed_update(3, name=None)]))
    assert len(batch["tests"]) == 1
    assert batch["tests"][0]["props"]["runs"] == 3
    assert batch["tests"][0]["props"]["name"] == "adds"  # kept from the earlier row
    assert len(batch["executed"]) == 3  # three runs: three EXECUTED edges
    assert [s.name for s, _ in compile_batch([failed_update(1)])] == [
        name for name in (s.name for s in st.STATEMENTS)
        if name in {"projects", "tests", "errors", "has_test", "covers", "executed",
                    "failed_with"}]


def test_an_error_report_relates_its_tests_to_the_files_it_affects():
    event = GraphEvent(kind=EventKind.ERROR_REPORT, event_id="e", org_id="o", project_id=None,
                       at=T0, fingerprint="fp", related_test_ids=("t1", "t2"),
                       affected_files=("a.py",))
    rows = statement_rows(GraphUpdate("o", event, SOURCE, error=FailureSummary(1, T0, T0)))
    assert [(s.name, r.get("test_id"), r.get("path")) for s, r in rows] == [
        ("orgs", None, None), ("errors", None, None), ("affects", None, "a.py"),
        ("covers", "t1", "a.py"), ("covers", "t2", "a.py")]


def test_a_commit_changes_its_files():
    event = GraphEvent(kind=EventKind.COMMIT, event_id="e", org_id="o", project_id="p", at=T0,
                       commit_sha="c1", branch="main",
                       changes=(FileChangeFact("a.py", "modified", 3, 1),))
    rows = statement_rows(GraphUpdate("o", event, SOURCE))
    assert [s.name for s, _ in rows] == ["projects", "commits", "changed"]
    assert rows[-1][1] == {"org_id": "o", "sha": "c1", "path": "a.py",
                           "change_type": "modified", "additions": 3, "deletions": 1}


def test_an_update_survives_the_trip_through_a_flink_row():
    update = failed_update(4)
    assert from_row(GraphUpdate, to_row(update)) == update
