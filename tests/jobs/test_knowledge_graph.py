"""The knowledge-graph job on the real cluster: bounded input in Kafka -> exact graph, a replay
that changes nothing, tenant isolation, injection stored as data, invalid records in the DLQ."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from argus_flink.contracts import DeadLetter, ParsedEvent, Topic, parse
from argus_flink.generator import WorkloadConfig, generate_with_manifest
from argus_flink.graph.queries import GraphQueries
from graph import scenario
from graph.support import (
    OffsetLedger,
    counts,
    partition_counts,
    read_until,
    snapshot,
    submit_knowledge_graph,
    target_of,
    wait_for_job,
)
from udfs.failure_text import (
    parts_from_error_reported,
    parts_from_test_executed,
    signature,
)

pytestmark = pytest.mark.integration

ORGS = scenario.Orgs(a="job-org-a", b="job-org-b", injected="job-org-injected")
WORKLOAD = WorkloadConfig(seed=61, events=1_500, orgs=2, tests_per_project=10,
                          duplicate_fraction=0.05, bad_fraction=0.03)
JOB_ARGS = ["--parallelism", "2", "--checkpoint-interval", "5", "--batch-size", "200",
            "--flush-interval", "1"]


def run_job(stack, ledger: OffsetLedger) -> None:
    args = ledger.bounded_args(partition_counts(stack.kafka_bootstrap)) + JOB_ARGS
    job_id = submit_knowledge_graph(stack, args)
    wait_for_job(stack.flink_rest_url, job_id, "FINISHED", timeout=600)


@pytest.fixture(scope="module")
def first_run(stack):
    """Produce the scenario and a generated workload, run the job once to completion."""
    ledger = OffsetLedger(stack.kafka_bootstrap)
    records = scenario.records(ORGS)
    generated, manifest = generate_with_manifest(WORKLOAD)
    records += [record for record in generated if record.topic in
                {Topic.TEST_EXECUTED, Topic.TEST_FAILED, Topic.ERROR_REPORTED,
                 Topic.CODEBASE_INGESTED}]
    located = ledger.produce(records)
    run_job(stack, ledger)
    target = target_of(stack)
    driver = target.driver()
    orgs = ORGS.all + [org.org_id for org in manifest.orgs]
    yield {"stack": stack, "ledger": ledger, "records": records, "located": located,
           "manifest": manifest, "driver": driver, "database": target.database, "orgs": orgs,
           "snapshot": snapshot(driver, target.database, orgs)}
    driver.close()


def test_the_scenario_graph_is_exact(first_run):
    snap = snapshot(first_run["driver"], first_run["database"], [ORGS.a])
    assert counts(snap) == scenario.expected_counts()
    props = {labels[0]: {} for labels, _, _ in snap["nodes"]}
    for labels, key, values in snap["nodes"]:
        props[labels[0]][key[2]] = {k: json.loads(v) for k, v in values}
    assert props["Test"] == scenario.expected_tests(ORGS)
    assert props["Error"] == scenario.expected_errors(ORGS)
    executed = {(a[2], b[2]): dict((k, json.loads(v)) for k, v in values)
                for rel, a, b, values in snap["relationships"] if rel == "EXECUTED"}
    assert executed[("r0", "t-add")] == {"status": "error", "duration_ms": 100,
                                         "at": scenario.at("09:00:00")}  # late, still in


def test_queries_answer_within_one_org(first_run):
    queries = GraphQueries(first_run["driver"], first_run["database"])
    assert [t.test_id for t in queries.impact(ORGS.a, "app/cart.py")] == ["t-remove", "t-add"]
    assert [t.test_id for t in queries.impact(ORGS.b, "tests/test_cart.py")] == ["t-add"]
    assert queries.impact(ORGS.b, "app/cart.py") == []
    radius = queries.blast_radius(ORGS.a, "c1")
    assert [(f.test_id, f.run_id) for f in radius.failed] == [("t-remove", "r1"),
                                                              ("t-remove", "r2")]
    assert not queries.blast_radius(ORGS.b, "c1").found
    fingerprint = scenario.fingerprints(ORGS)["assertion"]
    assert [t.test_id for t in queries.error(ORGS.a, fingerprint).tests] == ["t-remove"]
    assert not queries.error(ORGS.b, fingerprint).found


def test_cypher_in_event_fields_is_stored_as_data(first_run):
    queries = GraphQueries(first_run["driver"], first_run["database"])
    [test] = queries.impact(ORGS.injected, scenario.INJECTION_FILE)
    assert (test.test_id, test.name) == (scenario.INJECTION_TEST_ID, scenario.INJECTION_NAME)
    snap = snapshot(first_run["driver"], first_run["database"], [ORGS.injected])
    assert {key[2] for labels, key, _ in snap["nodes"] if labels[0] == "Run"} == {
        scenario.INJECTION_RUN}


def expected_graph(records, org_ids) -> tuple[dict, dict, dict]:
    """Counts and Test properties computed straight from the raw events, independently of the
    job's code: distinct keys per label and relationship type, runs per distinct event id."""
    nodes, rels = defaultdict(set), defaultdict(set)
    runs: dict = defaultdict(dict)  # (org, test) -> event id -> (at, status)
    for record in records:
        parsed = parse(record.topic, record.value)
        if not isinstance(parsed, ParsedEvent) or parsed.event.org_id not in org_ids:
            continue
        event, doc = parsed.event, json.loads(record.value)
        org, project = event.org_id, event.project_id
        nodes["Org"].add((org, org))
        if project:
            nodes["Project"].add((org, project))
            rels["OWNS"].add((org, project))
        if event.event_type == "test.executed":
            nodes["Test"].add((org, event.test_id))
            nodes["Run"].add((org, event.run_id))
            rels["EXECUTED"].add((org, event.run_id, event.test_id))
            runs[(org, event.test_id)][event.event_id] = (event.timestamp, event.status.value)
            if project:
                rels["HAS_TEST"].add((org, project, event.test_id))
            if event.file_path:
                nodes["File"].add((org, event.file_path))
                rels["COVERS"].add((org, event.test_id, event.file_path))
            parts = parts_from_test_executed(doc)
            if event.status.value in ("failed", "error") and parts:
                fingerprint = signature(org, parts).fingerprint
                nodes["Error"].add((org, fingerprint))
                rels["FAILED_WITH"].add((org, event.test_id, fingerprint))
        elif event.event_type == "error.reported":
            fingerprint = signature(org, parts_from_error_reported(doc)).fingerprint
            nodes["Error"].add((org, fingerprint))
            for path in filter(None, event.affected_files):
                nodes["File"].add((org, path))
                rels["AFFECTS"].add((org, fingerprint, path))
                for test_id in filter(None, event.related_test_ids):
                    nodes["Test"].add((org, test_id))
                    rels["COVERS"].add((org, test_id, path))
        elif event.event_type == "codebase.ingested":
            nodes["Commit"].add((org, event.commit_sha))
            for change in event.files_changed:
                nodes["File"].add((org, change.path))
                rels["CHANGED"].add((org, event.commit_sha, change.path))
    summaries = {}
    for key, by_id in runs.items():
        statuses = list(by_id.values())
        last = max(statuses)
        summaries[key] = {"runs": len(statuses),
                          "failures": sum(s in ("failed", "error") for _, s in statuses),
                          "skips": sum(s == "skipped" for _, s in statuses),
                          "last_status": last[1]}
    return ({label: len(keys) for label, keys in nodes.items()},
            {rel: len(keys) for rel, keys in rels.items()}, summaries)


def test_the_generated_workload_graph_matches_its_events(first_run):
    manifest = first_run["manifest"]
    org_ids = {org.org_id for org in manifest.orgs}
    expected_nodes, expected_rels, expected_tests = expected_graph(first_run["records"],
                                                                   org_ids)
    snap = snapshot(first_run["driver"], first_run["database"], org_ids)
    assert counts(snap) == (expected_nodes, expected_rels)
    tests = {(key[1], key[2]): {k: json.loads(v) for k, v in values}
             for labels, key, values in snap["nodes"] if labels[0] == "Test"}
    for key, summary in expected_tests.items():
        assert {name: tests[key][name] for name in summary} == summary, key
    # Coverage learnt from error reports agrees with the generator's ground truth.
    test_files = {(org, t.test_id): t.file_path for org_info in manifest.orgs
                  for project in org_info.projects for t in project.tests
                  for org in [org_info.org_id]}
    for rel, a, b, _ in snap["relationships"]:
        if rel == "COVERS" and b[2] != test_files.get((a[1], a[2])):
            assert b[2] in manifest.coverage[a[2]]


def test_invalid_records_are_dead_lettered_with_their_reason(first_run):
    expected = set()
    for record, (topic, partition, offset) in zip(first_run["records"], first_run["located"],
                                                  strict=True):
        result = parse(record.topic, record.value)
        if isinstance(result, DeadLetter):
            expected.add((topic, partition, offset, result.reason))
    assert {reason for *_, reason in expected} >= set(scenario.INVALID_REASONS)

    def found(messages) -> set:
        letters = [DeadLetter.model_validate_json(m.value()) for m in messages]
        return {(d.source_topic, d.source_partition, d.source_offset, d.reason)
                for d in letters if d.job == "knowledge-graph"}

    messages = read_until(first_run["stack"].kafka_bootstrap, Topic.DLQ.value,
                          lambda messages: found(messages) >= expected)
    assert found(messages) == expected


def test_replaying_the_same_input_changes_nothing(first_run):
    run_job(first_run["stack"], first_run["ledger"])  # fresh state, same offsets
    assert snapshot(first_run["driver"], first_run["database"],
                    first_run["orgs"]) == first_run["snapshot"]
