"""A small hand-written input with an exactly known graph: one project's commit, three runs,
an error report, a redelivery, a late event, a second org reusing the same ids, Cypher
injection attempts, and invalid records.

The library tests write it straight through the writer; the job tests send it through Kafka
and Flink. Both compare against the literal expectations below.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from argus_flink.contracts import ParsedEvent, Topic, parse
from argus_flink.generator import Record
from argus_flink.graph.events import graph_event
from argus_flink.graph.records import GraphUpdate, Source
from argus_flink.graph.summaries import MemoryStore, summarise
from udfs.failure_text import parts_from_error_reported, parts_from_test_executed, signature

from .support import codebase_ingested, error_reported, record, test_executed

EXECUTED, FAILED = Topic.TEST_EXECUTED.value, Topic.TEST_FAILED.value
ERRORS, COMMITS = Topic.ERROR_REPORTED.value, Topic.CODEBASE_INGESTED.value

ASSERTION = {"error_message": "AssertionError: assert 2 == 3",
             "stack_trace": "tests/test_cart.py:41: in test_remove\n    assert 2 == 3\n"
                            "E   AssertionError: assert 2 == 3"}
TIMEOUT = {"error_message": "TimeoutError: cart did not load within 5000ms",
           "stack_trace": None}

INJECTION_NAME = "x'}) MATCH (n) DETACH DELETE n //"
INJECTION_TEST_ID = 't"}) DETACH DELETE (t) WITH 1 AS x MATCH (m) DETACH DELETE m //'
INJECTION_FILE = "tests/`; MATCH (n) SET n.owned = true; //.py"
INJECTION_RUN = "r1' OR 1=1 --"
INJECTION_MESSAGE = "Error: $rows }) RETURN 1 UNION MATCH (n) DETACH DELETE n //"


def at(clock: str) -> str:
    return f"2026-11-21T{clock}.000Z"


@dataclass(frozen=True)
class Orgs:
    a: str  # the main org
    b: str  # reuses org a's test id and file paths
    injected: str  # Cypher in every free-text field

    @property
    def all(self) -> list[str]:
        return [self.a, self.b, self.injected]


def fingerprints(orgs: Orgs) -> dict[str, str]:
    error = {"title": "KeyError: 'sku'",
             "exception": {"type": "KeyError", "value": "'sku'", "stacktrace": None}}
    return {
        "assertion": signature(orgs.a, parts_from_test_executed(ASSERTION)).fingerprint,
        "timeout": signature(orgs.a, parts_from_test_executed(TIMEOUT)).fingerprint,
        "key_error": signature(orgs.a, parts_from_error_reported(error)).fingerprint,
    }


def records(orgs: Orgs) -> list[Record]:
    """Every record of the scenario, in delivery order (the late event last)."""
    a, b, x = orgs.a, orgs.b, orgs.injected
    out: list[Record] = []

    def executed(document: dict) -> dict:
        out.append(record(EXECUTED, document))
        if document["status"] in ("failed", "error"):
            out.append(record(FAILED, document))  # the contract publishes failures twice
        return document

    out.append(record(COMMITS, codebase_ingested(
        a, "p1", "c1", at("10:00:00"),
        [("app/cart.py", "modified"), ("tests/test_cart.py", "added")])))
    for run_id, clock in (("r1", "10:01"), ("r2", "10:11")):
        first = executed(test_executed(a, "p1", "t-add", run_id, "passed", at(f"{clock}:01"),
                                       test_name="test_add", file_path="tests/test_cart.py",
                                       commit_sha="c1"))
        executed(test_executed(a, "p1", "t-remove", run_id, "failed", at(f"{clock}:02"),
                               test_name="test_remove", file_path="tests/test_cart.py",
                               commit_sha="c1", **ASSERTION))
        executed(test_executed(a, "p1", "t-skip", run_id, "skipped", at(f"{clock}:03"),
                               test_name="test_skip", file_path="tests/test_cart.py",
                               commit_sha="c1", duration_ms=0))
        if run_id == "r1":
            out.append(record(EXECUTED, first))  # a redelivery: same event id
    out.append(record(ERRORS, error_reported(
        a, "p1", at("10:05:00"), error_type="KeyError", value="'sku'",
        related_test_ids=["t-add", "t-remove"], affected_files=["app/cart.py"])))
    # org b: the same ids and paths, another tenant
    executed(test_executed(b, "p2", "t-add", "r1", "passed", at("10:02:00"),
                           test_name="test_add", file_path="tests/test_cart.py"))
    # Cypher in every free-text field
    executed(test_executed(x, "p'}) DETACH DELETE n //", INJECTION_TEST_ID, INJECTION_RUN,
                           "failed", at("10:03:00"), test_name=INJECTION_NAME,
                           file_path=INJECTION_FILE, error_message=INJECTION_MESSAGE,
                           stack_trace=None))
    # invalid records: dead letters, never graph data
    out.append(record(EXECUTED, b"{not json", org=a))
    out.append(record(EXECUTED, json.dumps({"event_id": "no-org", "status": "passed"}).encode(),
                      org=a))
    out.append(record(EXECUTED, test_executed(a, "p1", "t-bad", "r1", "exploded",
                                              at("10:04:00"))))
    # late: an hour before everything else, still a fact for the graph
    executed(test_executed(a, "p1", "t-add", "r0", "error", at("09:00:00"),
                           test_name="test_add", file_path="tests/test_cart.py", **TIMEOUT))
    return out


INVALID_REASONS = ["invalid_json", "missing_org_id", "schema_violation"]


def updates(orgs: Orgs) -> list[GraphUpdate]:
    """The scenario's valid records as the job's summaries operator would emit them."""
    stores: dict[str, MemoryStore] = defaultdict(MemoryStore)
    result = []
    for offset, item in enumerate(records(orgs)):
        parsed = parse(item.topic, item.value, partition=0, offset=offset)
        if not isinstance(parsed, ParsedEvent):
            continue
        event = graph_event(parsed)
        result.append(summarise(event, Source(item.topic, 0, offset, item.value.decode()),
                                stores[event.org_id]))
    return result


def expected_counts() -> tuple[dict[str, int], dict[str, int]]:
    """Node and relationship counts of org a."""
    return ({"Org": 1, "Project": 1, "Test": 3, "Run": 3, "File": 2, "Error": 3, "Commit": 1},
            {"OWNS": 1, "HAS_TEST": 3, "EXECUTED": 7, "COVERS": 5, "CHANGED": 2,
             "FAILED_WITH": 2, "AFFECTS": 1})


def expected_tests(orgs: Orgs) -> dict[str, dict]:
    """Test nodes of org a with every property."""
    common = {"org_id": orgs.a, "project_id": "p1", "file_path": "tests/test_cart.py"}
    return {
        "t-add": {**common, "id": "t-add", "name": "test_add", "runs": 3, "failures": 1,
                  "skips": 0, "last_status": "passed", "last_run_at": at("10:11:01"),
                  "last_failed_at": at("09:00:00"), "recent_runs": 3, "recent_failures": 1,
                  "recent_failure_rate": 1 / 3},
        "t-remove": {**common, "id": "t-remove", "name": "test_remove", "runs": 2,
                     "failures": 2, "skips": 0, "last_status": "failed",
                     "last_run_at": at("10:11:02"), "last_failed_at": at("10:11:02"),
                     "recent_runs": 2, "recent_failures": 2, "recent_failure_rate": 1.0},
        "t-skip": {**common, "id": "t-skip", "name": "test_skip", "runs": 2, "failures": 0,
                   "skips": 2, "last_status": "skipped", "last_run_at": at("10:11:03"),
                   "recent_runs": 0, "recent_failures": 0},
    }


def expected_errors(orgs: Orgs) -> dict[str, dict]:
    fp = fingerprints(orgs)
    return {
        fp["assertion"]: {"org_id": orgs.a, "fingerprint": fp["assertion"],
                          "project_id": "p1", "occurrences": 2, "first_seen": at("10:01:02"),
                          "last_seen": at("10:11:02"), "error_type": "AssertionError",
                          "sample_message": "AssertionError: assert 2 == 3"},
        fp["timeout"]: {"org_id": orgs.a, "fingerprint": fp["timeout"], "project_id": "p1",
                        "occurrences": 1, "first_seen": at("09:00:00"),
                        "last_seen": at("09:00:00"), "error_type": "TimeoutError",
                        "sample_message": "TimeoutError: cart did not load within 5000ms"},
        fp["key_error"]: {"org_id": orgs.a, "fingerprint": fp["key_error"],
                          "project_id": "p1", "occurrences": 1, "first_seen": at("10:05:00"),
                          "last_seen": at("10:05:00"), "error_type": "KeyError",
                          "sample_message": "KeyError: 'sku'"},
    }
