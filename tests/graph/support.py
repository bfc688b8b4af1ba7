"""Helpers for the knowledge-graph tests: events, producing with known offsets, running the
job on the test cluster, and reading the graph back as comparable data."""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx
from confluent_kafka import Consumer, Producer, TopicPartition

from argus_flink.contracts import Topic
from argus_flink.generator import Record
from argus_flink.graph.writer import GraphTarget
from argus_flink.submit import flink_run

RECORD_TIME = datetime(2026, 11, 21, 10, tzinfo=UTC)  # producers ignore it
INPUT_TOPICS = (Topic.TEST_EXECUTED.value, Topic.TEST_FAILED.value,
                Topic.ERROR_REPORTED.value, Topic.CODEBASE_INGESTED.value)


# --- events ------------------------------------------------------------------------------

def _base(event_type: str, org: str, at: str, project: str | None, **fields: Any) -> dict:
    return {
        "event_id": fields.pop("event_id", None) or str(uuid.uuid4()),
        "event_type": event_type,
        "timestamp": at,
        "version": "1.0",
        "org_id": org,
        "project_id": project,
        "source": "tests",
        **fields,
    }


def test_executed(org: str, project: str | None, test_id: str, run_id: str, status: str,
                  at: str, **fields: Any) -> dict:
    return _base("test.executed", org, at, project, test_id=test_id, run_id=run_id,
                 status=status, duration_ms=fields.pop("duration_ms", 100), **fields)


def error_reported(org: str, project: str | None, at: str, *, error_type: str, value: str,
                   related_test_ids: list[str], affected_files: list[str],
                   **fields: Any) -> dict:
    return _base("error.reported", org, at, project, error_id=uuid.uuid4().hex,
                 title=f"{error_type}: {value}", culprit="",
                 exception={"type": error_type, "value": value, "stacktrace": None},
                 related_test_ids=related_test_ids, affected_files=affected_files, **fields)


def codebase_ingested(org: str, project: str | None, sha: str, at: str,
                      changes: list[tuple[str, str]], **fields: Any) -> dict:
    return _base("codebase.ingested", org, at, project, repo_url="https://git.example/r",
                 branch="main", commit_sha=sha, pr_number=None, diff_summary="",
                 files_changed=[{"path": path, "change_type": kind, "additions": 1,
                                 "deletions": 0} for path, kind in changes], **fields)


def record(topic: str, document: dict | bytes, org: str | None = None) -> Record:
    value = document if isinstance(document, bytes) else json.dumps(document).encode()
    key_org = org or (document.get("org_id") if isinstance(document, dict) else None)
    return Record(topic, key_org.encode() if key_org else None, value, RECORD_TIME)


# --- producing with known offsets ----------------------------------------------------------

class OffsetLedger:
    """End offsets of what this test session produced, per topic and partition.

    The local broker's ListOffsets is unreliable for multi-record batches (STACK.md), so
    bounded runs stop at offsets taken from our own delivery reports instead. A partition we
    never wrote to gets end offset 0: whatever others put there is not ours to read.
    """

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.ends: dict[str, dict[int, int]] = defaultdict(dict)

    def produce(self, records: Iterable[Record]) -> list[tuple[str, int, int]]:
        """Send ``records``; returns where each landed: (topic, partition, offset)."""
        failures: list[str] = []
        located: dict[int, tuple[str, int, int]] = {}

        def delivered(index: int, error, message) -> None:
            if error is not None:
                failures.append(str(error))
                return
            located[index] = (message.topic(), message.partition(), message.offset())
            ends = self.ends[message.topic()]
            ends[message.partition()] = max(ends.get(message.partition(), 0),
                                            message.offset() + 1)

        producer = Producer({"bootstrap.servers": self.bootstrap, "enable.idempotence": True,
                             "linger.ms": 20, "message.max.bytes": 4 * 1024 * 1024})
        count = 0
        for index, item in enumerate(records):
            while True:
                try:
                    producer.produce(item.topic, item.value, item.key,
                                     on_delivery=partial(delivered, index))
                    break
                except BufferError:
                    producer.poll(0.1)
            count += 1
        assert producer.flush(60) == 0
        assert not failures, failures[:3]
        return [located[index] for index in range(count)]

    def bounded_args(self, partitions: dict[str, int]) -> list[str]:
        args = []
        for topic in INPUT_TOPICS:
            ends = self.ends.get(topic, {})
            spec = ";".join(f"partition:{p},offset:{ends.get(p, 0)}"
                            for p in range(partitions[topic]))
            args += ["--bounded-offsets", f"{topic}={spec}"]
        return args


def partition_counts(bootstrap: str) -> dict[str, int]:
    from argus_flink.stack.broker import admin_client

    metadata = admin_client(bootstrap).list_topics(timeout=10)
    return {topic: len(metadata.topics[topic].partitions) for topic in INPUT_TOPICS}


def read_until(bootstrap: str, topic: str, done: Callable[[list[Any]], bool],
               timeout: float = 120) -> list[Any]:
    """Every message of ``topic`` from the start, read until ``done(messages)`` or timeout.

    Reading until an expected content arrives, rather than until the topic looks idle: on a
    loaded machine the local broker can pause longer than any idle guess.
    """
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "argus-graph-tests",
                         "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        messages: list[Any] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not done(messages):
            messages += [m for m in consumer.consume(num_messages=10_000, timeout=0.5)
                         if not m.error()]
        return messages
    finally:
        consumer.close()


# --- running the job -----------------------------------------------------------------------

def submit_knowledge_graph(settings, args: list[str]) -> str:
    return flink_run(settings, "jobs.knowledge_graph", args, timeout=300)


def job_state(rest_url: str, job_id: str) -> dict:
    return httpx.get(f"{rest_url}/jobs/{job_id}", timeout=10).json()


def wait_for_job(rest_url: str, job_id: str, state: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    job: dict = {}
    while time.monotonic() < deadline:
        job = job_state(rest_url, job_id)
        if job.get("state") == state:
            return job
        if job.get("state") in {"FAILED", "CANCELED"}:
            break
        time.sleep(1)
    exceptions = httpx.get(f"{rest_url}/jobs/{job_id}/exceptions", timeout=10).json()
    root = (exceptions.get("rootException") or "")[:3000]
    raise AssertionError(f"job {job_id} is {job.get('state')}, expected {state}\n{root}")


def cancel_job(rest_url: str, job_id: str) -> None:
    httpx.patch(f"{rest_url}/jobs/{job_id}", params={"mode": "cancel"}, timeout=10)


# --- reading the graph back ----------------------------------------------------------------

def target_of(settings) -> GraphTarget:
    from pydantic import SecretStr

    return GraphTarget(settings.bolt_uri, settings.graph_user,
                       SecretStr(settings.graph_password), settings.graph_db)


def snapshot(driver, database: str, org_ids: Iterable[str]) -> dict:
    """Every node and relationship of ``org_ids`` with its properties, in a stable order."""
    orgs = sorted(set(org_ids))
    nodes, _, _ = driver.execute_query(
        "MATCH (n) WHERE n.org_id IN $orgs RETURN labels(n) AS labels, properties(n) AS props",
        orgs=orgs, database_=database)
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) WHERE a.org_id IN $orgs "
        "RETURN type(r) AS type, properties(r) AS props, labels(a) AS a_labels, "
        "properties(a) AS a, labels(b) AS b_labels, properties(b) AS b",
        orgs=orgs, database_=database)
    return {
        "nodes": sorted((tuple(r["labels"]), _key(r["labels"][0], r["props"]),
                         _frozen(r["props"])) for r in nodes),
        "relationships": sorted((r["type"], _key(r["a_labels"][0], r["a"]),
                                 _key(r["b_labels"][0], r["b"]), _frozen(r["props"]))
                                for r in rels),
    }


KEYS = {"Org": "id", "Project": "id", "Test": "id", "Run": "id", "File": "path",
        "Error": "fingerprint", "Commit": "sha"}


def _key(label: str, props: dict) -> tuple:
    return (label, props.get("org_id"), props.get(KEYS[label]))


def _frozen(props: dict) -> tuple:
    return tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in props.items()))


def counts(snap: dict) -> tuple[dict[str, int], dict[str, int]]:
    nodes: dict[str, int] = defaultdict(int)
    rels: dict[str, int] = defaultdict(int)
    for labels, _, _ in snap["nodes"]:
        nodes[labels[0]] += 1
    for rel_type, _, _, _ in snap["relationships"]:
        rels[rel_type] += 1
    return dict(nodes), dict(rels)
