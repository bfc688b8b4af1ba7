"""A graph-server outage while the job runs: records are written, retried or dead-lettered with
their original payload; none is lost; the job keeps running without a restart; once the
server is back the breaker closes, and replaying the dead letters completes the graph."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from argus_flink.contracts import DeadLetter, Topic
from argus_flink.stack.graph import GraphServer
from graph import support
from graph.support import (
    OffsetLedger,
    cancel_job,
    job_state,
    read_until,
    submit_knowledge_graph,
    target_of,
    wait_for_job,
)

pytestmark = pytest.mark.integration

ORG = "outage-org"
TESTS = [f"t-{n:02d}" for n in range(15)]
JOB_ARGS = ["--parallelism", "1", "--checkpoint-interval", "3", "--start-from", "latest-offset",
            "--batch-size", "50", "--flush-interval", "1", "--retry-budget", "4",
            "--breaker-cooldown", "3", "--breaker-max-cooldown", "6"]


def run_events(run_ids: list[str], minute: int) -> list[dict]:
    """One execution of every test per run; every seventh one fails."""
    events = []
    for k, run_id in enumerate(run_ids):
        for n, test_id in enumerate(TESTS):
            failed = (n + k) % 7 == 0
            events.append(support.test_executed(
                ORG, "p-outage", test_id, run_id, "failed" if failed else "passed",
                f"2026-11-21T11:{minute + k:02d}:{n:02d}.000Z", test_name=test_id,
                file_path="tests/test_outage.py",
                error_message="AssertionError: outage" if failed else None))
    return events


def in_graph(driver, database: str) -> set[tuple[str, str]]:
    records, _, _ = driver.execute_query(
        "MATCH (r:Run {org_id: $org})-[:EXECUTED]->(t:Test {org_id: $org}) "
        "RETURN r.id AS run, t.id AS test", org=ORG, database_=database)
    return {(r["run"], r["test"]) for r in records}


def wait_in_graph(driver, database: str, wanted: set, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if wanted <= in_graph(driver, database):
                return
        except Exception:  # noqa: BLE001 - the server may still be starting
            pass
        time.sleep(1)
    raise AssertionError(f"{len(wanted - in_graph(driver, database))} records never reached "
                         "the graph")


def sink_errors(messages) -> dict[str, DeadLetter]:
    letters = [DeadLetter.model_validate_json(m.value()) for m in messages]
    return {json.loads(d.original)["event_id"]: d for d in letters
            if d.reason == "sink_error" and d.org_id == ORG}


def produce(ledger: OffsetLedger, documents: list[dict]) -> list[tuple[str, int, int]]:
    return ledger.produce([support.record(Topic.TEST_EXECUTED.value, document)
                           for document in documents])


def restarts(rest_url: str, job_id: str) -> int:
    metrics = httpx.get(f"{rest_url}/jobs/{job_id}/metrics", params={"get": "numRestarts"},
                        timeout=10).json()
    return int(metrics[0]["value"])


def test_an_outage_dead_letters_what_it_cannot_write_and_loses_nothing(stack):
    ledger = OffsetLedger(stack.kafka_bootstrap)
    target = target_of(stack)
    driver = target.driver()
    graph_server = GraphServer(stack)
    job_id = submit_knowledge_graph(stack, JOB_ARGS)
    try:
        wait_for_job(stack.flink_rest_url, job_id, "RUNNING")
        # The source starts at the latest offsets: wait until a canary gets through.
        canary = run_events(["r-canary"], 0)[:1]
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and ("r-canary", TESTS[0]) not in in_graph(
                driver, target.database):
            produce(ledger, canary)
            time.sleep(5)
        before = run_events(["r-01", "r-02"], 1)
        produce(ledger, before)
        wait_in_graph(driver, target.database, {(d["run_id"], d["test_id"]) for d in before})

        graph_server.stop()
        during = run_events(["r-03", "r-04", "r-05"], 3)
        located = dict(zip((d["event_id"] for d in during), produce(ledger, during),
                           strict=True))
        time.sleep(20)  # several flushes: retried for the budget, then the breaker opens
        assert job_state(stack.flink_rest_url, job_id)["state"] == "RUNNING"
        graph_server.start()

        after = run_events(["r-06", "r-07"], 6)
        produce(ledger, after)
        wait_in_graph(driver, target.database, {(d["run_id"], d["test_id"]) for d in after})

        # Every record is in the graph or dead-lettered with its original payload.
        written = in_graph(driver, target.database)
        missing = {d["event_id"] for d in during
                   if (d["run_id"], d["test_id"]) not in written}
        messages = read_until(stack.kafka_bootstrap, Topic.DLQ.value,
                              lambda messages: set(sink_errors(messages)) >= missing)
        letters = sink_errors(messages)
        assert missing, "the outage should have dead-lettered something"
        assert missing <= set(letters)
        by_id = {d["event_id"]: d for d in during}
        for event_id, letter in letters.items():
            assert json.loads(letter.original) == by_id[event_id]
            assert (letter.source_topic, letter.source_partition, letter.source_offset) == (
                located[event_id])
            assert letter.job == "knowledge-graph" and "graph" in letter.detail
        assert all((d["run_id"], d["test_id"]) in written for d in before + after)

        # The job rode it out: still running, never restarted.
        assert job_state(stack.flink_rest_url, job_id)["state"] == "RUNNING"
        assert restarts(stack.flink_rest_url, job_id) == 0

        # Replaying the dead letters completes the graph, and counts every run once.
        ledger.produce([support.record(letter.source_topic, letter.original.encode())
                        for letter in letters.values()])
        wait_in_graph(driver, target.database,
                      {(d["run_id"], d["test_id"]) for d in before + during + after})
        records, _, _ = driver.execute_query(
            "MATCH (t:Test {org_id: $org}) RETURN t.id AS id, t.runs AS runs", org=ORG,
            database_=target.database)
        runs = {r["id"]: r["runs"] for r in records}
        assert runs == {test_id: 8 if test_id == TESTS[0] else 7 for test_id in TESTS}
    finally:
        cancel_job(stack.flink_rest_url, job_id)
        driver.close()
        graph_server.start()  # whatever happened, leave the stack whole
