"""Helpers for the operations proofs on the local stack: a generated stream produced in parts
with known end offsets, one PostgreSQL database per run, and the test-metrics job's options.

Every run writes its own database (same schema, through the stack's own migrations), so a
reference run and the run under test can be compared row for row.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from confluent_kafka import Producer
from psycopg import sql

from argus_flink.generator.produce import producer_config
from argus_flink.kafka_io import read_topic
from argus_flink.ops.rest import FlinkRest
from argus_flink.settings import StackSettings
from argus_flink.stack.postgres import Postgres
from bench.test_metrics import workload as bench_workload

PARTITIONS = 3
# Every column the job writes but updated_at, which is the wall-clock time of the write.
METRIC_COLUMNS = ("org_id", "project_id", "window_start", "window_end", "total", "passed",
                  "failed", "skipped", "errored", "flaky", "pass_rate", "avg_duration_ms",
                  "p95_duration_ms")


@dataclass(frozen=True)
class Stream:
    """Seeded argus.test.executed records, each with the partition a keyed producer picks."""

    values: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def generate(cls, events: int, seed: int) -> Stream:
        # Re-deliveries are in: they must be counted once across stops and crashes too.
        return cls(tuple(bench_workload.test_executed_values(
            events, seed, scale=1, bad_fraction=0.0, duplicate_fraction=0.02)))

    def parts(self, count: int) -> list[Sequence[tuple[bytes, bytes]]]:
        size = -(-len(self.values) // count)
        return [self.values[i:i + size] for i in range(0, len(self.values), size)]

    def end_offsets(self) -> str:
        """``--bounded-offsets`` for the whole stream: the job stops after the last record."""
        counts = [0] * PARTITIONS
        for key, _ in self.values:
            counts[partition_of(key)] += 1
        return ",".join(f"{p}:{n}" for p, n in enumerate(counts))


def partition_of(key: bytes) -> int:
    return zlib.crc32(key) % PARTITIONS  # as bench/test_metrics/workload.py partitions


def create_topics(bootstrap: str, topic: str) -> None:
    bench_workload.create_topic(bootstrap, topic, PARTITIONS)
    for output in (f"{topic}.insights", f"{topic}.dlq"):
        bench_workload.create_topic(bootstrap, output, 1)


def produce(bootstrap: str, topic: str, values: Sequence[tuple[bytes, bytes]]) -> None:
    """Append ``values`` in order; explicit partitions keep the end offsets predictable."""
    producer = Producer(producer_config(bootstrap, {"linger.ms": 50}))
    for i, (key, value) in enumerate(values):
        while True:
            try:
                producer.produce(topic, value, key, partition=partition_of(key))
                break
            except BufferError:
                producer.poll(0.05)
        if i % 10_000 == 0:
            producer.poll(0)
    assert producer.flush(300) == 0, "records still queued after 300 s"


def job_args(topic: str, stream: Stream, *, checkpoint_interval: str = "2s") -> list[str]:
    """test-metrics options for one run over ``topic``: bounded at the stream's end, one
    task per operator so the 2-core machine is not oversubscribed."""
    return ["--input-topic", topic, "--insight-topic", f"{topic}.insights",
            "--dlq-topic", f"{topic}.dlq", "--consumer-group", topic,
            "--transactional-id-prefix", topic, "--bounded-offsets", stream.end_offsets(),
            "--parallelism", "1", "--checkpoint-interval", checkpoint_interval,
            # A partition without records must not hold windows back for long.
            "--idle-timeout", "5 s"]


def run_database(stack: StackSettings, name: str) -> StackSettings:
    """Settings whose database is a fresh, migrated ``name`` (dropped first if it exists)."""
    admin = stack.postgres_dsn.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
    settings = stack.model_copy(update={"postgres_db": name})
    Postgres(settings).prepare()
    return settings


def metric_rows(settings: StackSettings) -> dict[tuple, tuple]:
    """test_metrics keyed by (org, project, window start), without updated_at."""
    columns = ", ".join(METRIC_COLUMNS)
    with psycopg.connect(settings.postgres_dsn) as conn:
        rows = conn.execute(f"SELECT {columns} FROM test_metrics").fetchall()
    return {row[:3]: row for row in rows}


def insight_ids(bootstrap: str, topic: str) -> set[str]:
    """Distinct insight ids on a topic (the local broker shows aborted records too; ids dedupe)."""
    return {json.loads(m.value)["insight_id"]
            for m in read_topic(bootstrap, topic, timeout=60, idle=5) if m.value}


def wait_for_job(rest: FlinkRest, job_id: str, state: str, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    job: dict = {}
    while time.monotonic() < deadline:
        job = rest.job(job_id)
        if job["state"] == state:
            return job
        if job["state"] in {"FAILED", "CANCELED"} and state not in {"FAILED", "CANCELED"}:
            break
        time.sleep(1)
    raise AssertionError(f"job {job_id} is {job.get('state')}, expected {state}:\n"
                         + "\n".join(rest.exceptions(job_id))[:3000])


def wait_until(condition, what: str, timeout: float = 300, poll: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
