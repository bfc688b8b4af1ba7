"""The writer and the queries on the real Bolt server: exact graph, idempotent rewrites,
tenant isolation and Cypher injection stored as data."""

from __future__ import annotations

import json

import pytest

from argus_flink.graph.queries import GraphQueries
from argus_flink.graph.schema import apply_schema, schema_statements
from argus_flink.graph.writer import GraphWriter

from . import scenario
from .support import counts, snapshot, target_of

pytestmark = pytest.mark.integration

ORGS = scenario.Orgs(a="lib-org-a", b="lib-org-b", injected="lib-org-injected")


@pytest.fixture(scope="module")
def graph(stack):
    target = target_of(stack)
    writer = GraphWriter(target)
    apply_schema(writer.driver, target.database)
    outcome = writer.write(scenario.updates(ORGS))
    assert not outcome.failed, outcome.failed[:1]
    yield writer
    writer.close()


@pytest.fixture(scope="module")
def queries(graph):
    return GraphQueries(graph.driver, graph.target.database)


def nodes_of(snap: dict, label: str) -> dict:
    return {key[2]: {k: json.loads(v) for k, v in props}
            for labels, key, props in snap["nodes"] if labels[0] == label}


def test_schema_is_idempotent_and_listed(graph):
    apply_schema(graph.driver, graph.target.database)
    records, _, _ = graph.driver.execute_query("SHOW CONSTRAINTS",
                                               database_=graph.target.database)
    names = {record["name"] for record in records}
    assert {s.name for s in schema_statements() if s.name.endswith("_key")} <= names


def test_the_graph_of_org_a_is_exact(graph):
    snap = snapshot(graph.driver, graph.target.database, [ORGS.a])
    assert counts(snap) == scenario.expected_counts()
    assert nodes_of(snap, "Test") == scenario.expected_tests(ORGS)
    assert nodes_of(snap, "Error") == scenario.expected_errors(ORGS)


def test_writing_the_same_updates_again_changes_nothing(graph):
    before = snapshot(graph.driver, graph.target.database, ORGS.all)
    assert not graph.write(scenario.updates(ORGS)).failed
    # And again one record at a time, in order, as a job replaying from a checkpoint would:
    # the summaries are absolute, so the last write of each node restores its final values.
    for update in scenario.updates(ORGS):
        assert graph.write([update]).written == 1
    assert snapshot(graph.driver, graph.target.database, ORGS.all) == before


def test_impact_lists_covering_tests_riskiest_first(queries):
    assert [(t.test_id, t.recent_failure_rate) for t in queries.impact(ORGS.a, "app/cart.py")
            ] == [("t-remove", 1.0), ("t-add", pytest.approx(1 / 3))]
    assert [t.test_id for t in queries.impact(ORGS.a, "tests/test_cart.py")] == [
        "t-remove", "t-add", "t-skip"]
    assert [t.test_id for t in queries.impact(ORGS.a, "tests/test_cart.py", limit=2)] == [
        "t-remove", "t-add"]


def test_blast_radius_of_a_commit(queries):
    radius = queries.blast_radius(ORGS.a, "c1")
    assert radius.found and radius.project_id == "p1"
    assert [(c.path, c.change_type) for c in radius.changed] == [
        ("app/cart.py", "modified"), ("tests/test_cart.py", "added")]
    assert [(t.test_id, t.paths) for t in radius.covering] == [
        ("t-remove", ("app/cart.py", "tests/test_cart.py")),
        ("t-add", ("app/cart.py", "tests/test_cart.py")),
        ("t-skip", ("tests/test_cart.py",))]
    assert [(f.test_id, f.run_id, f.status) for f in radius.failed] == [
        ("t-remove", "r1", "failed"), ("t-remove", "r2", "failed")]


def test_error_lists_failing_tests_and_affected_files(queries):
    fingerprints = scenario.fingerprints(ORGS)
    assertion = queries.error(ORGS.a, fingerprints["assertion"])
    assert assertion.found and assertion.occurrences == 2
    assert [(t.test_id, t.occurrences) for t in assertion.tests] == [("t-remove", 2)]
    assert assertion.files == []
    key_error = queries.error(ORGS.a, fingerprints["key_error"])
    assert key_error.tests == [] and key_error.files == ["app/cart.py"]


def test_the_same_test_id_in_two_orgs_is_two_nodes_and_queries_stay_in_their_org(graph,
                                                                                   queries):
    records, _, _ = graph.driver.execute_query(
        "MATCH (t:Test {id: 't-add'}) WHERE t.org_id IN $orgs RETURN t.org_id AS org",
        orgs=[ORGS.a, ORGS.b], database_=graph.target.database)
    assert sorted(r["org"] for r in records) == sorted([ORGS.a, ORGS.b])
    assert [t.test_id for t in queries.impact(ORGS.b, "tests/test_cart.py")] == ["t-add"]
    assert queries.impact(ORGS.b, "app/cart.py") == []
    assert not queries.blast_radius(ORGS.b, "c1").found
    assert not queries.error(ORGS.b, scenario.fingerprints(ORGS)["assertion"]).found
    b_test = queries.impact(ORGS.b, "tests/test_cart.py")[0]
    assert (b_test.recent_runs, b_test.last_status) == (1, "passed")


def test_cypher_in_event_fields_is_stored_as_data(graph, queries):
    snap = snapshot(graph.driver, graph.target.database, [ORGS.injected])
    tests = nodes_of(snap, "Test")
    assert list(tests) == [scenario.INJECTION_TEST_ID]
    assert tests[scenario.INJECTION_TEST_ID]["name"] == scenario.INJECTION_NAME
    assert [t.test_id for t in queries.impact(ORGS.injected, scenario.INJECTION_FILE)] == [
        scenario.INJECTION_TEST_ID]
    assert list(nodes_of(snap, "Run")) == [scenario.INJECTION_RUN]
    errors = nodes_of(snap, "Error")
    assert [e["sample_message"] for e in errors.values()] == [scenario.INJECTION_MESSAGE]
    # and nothing else was touched: org a is still exactly as expected
    assert counts(snapshot(graph.driver, graph.target.database, [ORGS.a])) == (
        scenario.expected_counts())


def test_graph_cli_answers_in_json_and_as_tables(graph):
    from typer.testing import CliRunner

    from argus_flink.graph.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["impact", "--org", ORGS.a, "--file", "app/cart.py", "--json"])
    assert result.exit_code == 0, result.output
    assert [t["test_id"] for t in json.loads(result.output)] == ["t-remove", "t-add"]
    result = runner.invoke(app, ["blast-radius", "--org", ORGS.a, "--commit", "c1", "--json"])
    assert json.loads(result.output)["changed"][0]["path"] == "app/cart.py"
    fingerprint = scenario.fingerprints(ORGS)["key_error"]
    result = runner.invoke(app, ["error", "--org", ORGS.a, "--fingerprint", fingerprint,
                                 "--json"])
    assert json.loads(result.output)["files"] == ["app/cart.py"]
    result = runner.invoke(app, ["impact", "--org", ORGS.b, "--file", "app/cart.py"])
    assert result.exit_code == 0 and "no test of org" in result.output
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0 and "commit_key" in result.output


def test_the_demo_report_shows_one_impact_table(queries):
    from argus_flink.reports.graph import impact_report

    table = impact_report(queries, org_id=ORGS.a)
    assert table is not None and table.row_count == 3  # tests/test_cart.py: 3 tests
    assert "tests/test_cart.py" in str(table.title)
