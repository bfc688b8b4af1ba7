"""Helpers for the operations proofs on the local stack: a generated stream produced in parts
with known end offsets, one PostgreSQL database per run, and the test-metrics job's options.

Every run writes its own database (same schema, through the stack's own migrations), so a
reference run and the run under test can be compared row for row.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from confluent_kafka import Producer
from psycopg import sql

from argus_flink.generator.produce import producer_config
from argus_flink.kafka_io import read_topic
from argus_flink.ops.rest import FlinkRest
from argus_flink.settings import StackSettings
from argus_flink.stack.flink import FlinkCluster
from argus_flink.stack.postgres import Postgres
from argus_flink.stack.process import pid_alive, read_pid
from bench.test_metrics import workload as bench_workload

PARTITIONS = 3
# Every column the job writes but updated_at, which is the wall-clock time of the write.
METRIC_COLUMNS = ("org_id", "project_id", "window_start", "window_end", "total", "passed",
                  "failed", "skipped", "errored", "flaky", "pass_rate", "avg_duration_ms",
                  "p95_duration_ms")


SENTINEL_ORG = "ops-sentinel"


@dataclass(frozen=True)
class Stream:
    """Seeded argus.test.executed records, each with its partition: round robin, so every
    partition has records and advances event time at the same pace (no partition is idle
    while another races ahead), which keeps the job's output independent of timing."""

    records: tuple[tuple[int, bytes, bytes], ...]  # (partition, key, value)
    last_value: bytes  # the last real event, the template of sentinels

    @classmethod
    def generate(cls, events: int, seed: int) -> Stream:
        # Re-deliveries are in: they must be counted once across stops and crashes too.
        values = bench_workload.test_executed_values(
            events, seed, scale=1, bad_fraction=0.0, duplicate_fraction=0.02)
        records = [(i % PARTITIONS, key, value) for i, (key, value) in enumerate(values)]
        return cls(tuple(records + sentinels(records[-1][2])), records[-1][2])

    def later_sentinels(self, after: timedelta) -> list[tuple[int, bytes, bytes]]:
        """Sentinels later than the stream's own, for a job restored after reading those:
        watermarks are not checkpointed, so a partition read to its end before the restored
        checkpoint holds the watermark back (idleness is off) until it gets a record."""
        return sentinels(self.last_value, after)

    def parts(self, count: int) -> list[Sequence[tuple[int, bytes, bytes]]]:
        """``count`` consecutive slices; the sentinels are in the last."""
        size = -(-len(self.records) // count)
        return [self.records[i:i + size] for i in range(0, len(self.records), size)]

    def end_offsets(self) -> str:
        """``--bounded-offsets`` for the whole stream: the job stops after the last record."""
        counts = [0] * PARTITIONS
        for partition, _, _ in self.records:
            counts[partition] += 1
        return ",".join(f"{p}:{n}" for p, n in enumerate(counts))


def sentinels(last_value: bytes, after: timedelta = timedelta(hours=1),
              ) -> list[tuple[int, bytes, bytes]]:
    """One event per partition ``after`` the stream, from an org of its own: it moves the
    watermark past every real window, so an unbounded job writes them all. (A bounded run
    cannot be used after a restore: the Kafka source then never finishes, FLINK-31006.)"""
    event = json.loads(last_value)
    at = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")) + after
    records = []
    for partition in range(PARTITIONS):
        event.update(event_id=f"ops-sentinel-{after.total_seconds():.0f}-{partition}",
                     org_id=SENTINEL_ORG,
                     timestamp=at.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        records.append((partition, SENTINEL_ORG.encode(), json.dumps(event).encode()))
    return records


def create_topics(bootstrap: str, topic: str) -> None:
    bench_workload.create_topic(bootstrap, topic, PARTITIONS)
    for output in (f"{topic}.insights", f"{topic}.dlq"):
        bench_workload.create_topic(bootstrap, output, 1)


def produce(bootstrap: str, topic: str, records: Sequence[tuple[int, bytes, bytes]]) -> None:
    """Append ``records`` in order to their partitions."""
    producer = Producer(producer_config(bootstrap, {"linger.ms": 50}))
    for i, (partition, key, value) in enumerate(records):
        while True:
            try:
                producer.produce(topic, value, key, partition=partition)
                break
            except BufferError:
                producer.poll(0.05)
        if i % 10_000 == 0:
            producer.poll(0)
    assert producer.flush(300) == 0, "records still queued after 300 s"


def job_args(topic: str, stream: Stream | None = None, *,
             checkpoint_interval: str = "2s") -> list[str]:
    """test-metrics options for one run over ``topic``, bounded at the stream's end when
    ``stream`` is given; one task per operator, so 2 cores are not oversubscribed."""
    args = ["--input-topic", topic, "--insight-topic", f"{topic}.insights",
            "--dlq-topic", f"{topic}.dlq", "--consumer-group", topic,
            "--transactional-id-prefix", topic, "--parallelism", "1",
            "--checkpoint-interval", checkpoint_interval,
            # While it catches up on a backlog, the local broker can serve one partition for
            # longer than the job's 30 s idle timeout; the others then count as idle and their
            # records arrive behind the watermark (133k of 200k in one failure-free run). Every
            # partition here has records to the end, so no idleness is needed, and the output
            # depends on the input alone, which is what the proofs compare.
            "--idle-timeout", "1 h"]
    return args + (["--bounded-offsets", stream.end_offsets()] if stream else [])


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
    """test_metrics keyed by (org, project, window start), without updated_at and without
    the sentinel's window (only a bounded run's final watermark fires it)."""
    columns = ", ".join(METRIC_COLUMNS)
    with psycopg.connect(settings.postgres_dsn) as conn:
        rows = conn.execute(f"SELECT {columns} FROM test_metrics WHERE org_id <> %s",
                            (SENTINEL_ORG,)).fetchall()
    return {row[:3]: row for row in rows}


def wait_for_rows(settings: StackSettings, expected: dict[tuple, tuple],
                  timeout: float = 600, *, read=None, what: str = "windows") -> dict:
    """The run's rows (``read(settings)``, by default its test_metrics) once they equal
    ``expected``; on timeout, what still differs."""
    read = read or metric_rows
    deadline = time.monotonic() + timeout
    rows: dict = {}
    while time.monotonic() < deadline:
        rows = read(settings)
        if rows == expected:
            return rows
        time.sleep(2)
    missing = expected.keys() - rows.keys()
    wrong = [k for k in expected.keys() & rows.keys() if rows[k] != expected[k]]
    raise AssertionError(f"after {timeout:.0f}s: {len(missing)} {what} missing, "
                         f"{len(rows.keys() - expected.keys())} unexpected, {len(wrong)} "
                         f"different, e.g. {[(rows[k], expected[k]) for k in wrong[:2]]}")


def insight_ids(bootstrap: str, topic: str) -> set[str]:
    """Distinct insight ids on a topic, the sentinel's aside (the local broker shows aborted
    records too; ids dedupe them)."""
    insights = (json.loads(m.value) for m in read_topic(bootstrap, topic, timeout=60, idle=5)
                if m.value)
    return {i["insight_id"] for i in insights if i["org_id"] != SENTINEL_ORG}


def dead_letters(bootstrap: str, topic: str) -> list[dict]:
    return [json.loads(m.value) for m in read_topic(bootstrap, topic, timeout=30, idle=5)
            if m.value]


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


# --- crashes ----------------------------------------------------------------------------

def last_checkpoint_id(rest: FlinkRest, job_id: str) -> int:
    completed = rest.checkpoints(job_id).completed
    return completed.id if completed else 0


def watch_recovery(rest: FlinkRest, job_id: str, checkpoint_before: int, killed_at: float,
                   timeout: float = 600) -> dict[str, float]:
    """Seconds from the kill until Flink noticed (the job left RUNNING), until it ran again,
    and until its first checkpoint after the kill completed: recovered."""
    phases: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = rest.job(job_id)
        subtasks = sum(vertex["parallelism"] for vertex in job["vertices"])
        running = sum((vertex.get("tasks") or {}).get("RUNNING", 0) for vertex in job["vertices"])
        elapsed = time.time() - killed_at
        if job["state"] != "RUNNING" or running < subtasks:
            phases.setdefault("noticed", elapsed)
        elif "noticed" in phases:
            phases.setdefault("running", elapsed)
        completed = rest.checkpoints(job_id).completed
        if ("running" in phases and completed is not None and completed.id > checkpoint_before
                and completed.completed_at.timestamp() > killed_at):
            phases["checkpoint"] = completed.completed_at.timestamp() - killed_at
            return phases
        time.sleep(0.5)
    raise AssertionError(f"no checkpoint {timeout:.0f}s after the kill; phases so far: {phases}")


def kill_taskmanager(cluster: FlinkCluster) -> float:
    """SIGKILL the local TaskManager with its Python workers, as a crashed pod loses them all
    (the TaskManager leads a session of its own); returns when (epoch seconds)."""
    pid = read_pid(cluster.pid_dir / "taskmanager.pid")
    assert pid is not None, "no TaskManager pid file"
    os.killpg(pid, signal.SIGKILL)
    killed_at = time.time()
    wait_until(lambda: not pid_alive(pid), "the TaskManager to die", timeout=30, poll=0.1)
    return killed_at
