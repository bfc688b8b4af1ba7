"""Proof on the local stack: anomaly-flags, with keyed Python state and event-time timers, gives
the failure-free result when its TaskManager is killed (SIGKILL) twice during a run of over
200k events.

The failure-free result is the plain-Python replay of the same records: on a bounded input the
job writes exactly its rows (tests/jobs/test_anomaly_flags.py checks that on every run), so a
second, failure-free Flink run would only repeat it at two minutes of CI time. The job starts
from consumer-group offsets committed at the first record; sentinel events an hour after the
stream close its last windows. The run writes a database of its own.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

import psycopg
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from argus_flink.generator import WorkloadConfig, generate
from argus_flink.generator.produce import producer_config
from argus_flink.ops.rest import FlinkRest
from argus_flink.stack.flink import FlinkCluster
from argus_flink.submit import flink_run
from jobs.anomaly_flags import INPUT_TOPICS, JOB_NAME
from anomaly_expectations import anomaly_table_rows, replayed_flags
from ops.support import (
    PARTITIONS,
    SENTINEL_ORG,
    kill_taskmanager,
    last_checkpoint_id,
    run_database,
    sentinels,
    wait_for_rows,
    wait_until,
    watch_recovery,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
log = logging.getLogger(__name__)

# About 96% of the generated records are on these two topics: over 200k input events.
GENERATED = 212_000
Offsets = dict[str, dict[int, tuple[int, int]]]  # topic -> partition -> [first, end)


def input_records(seed: int) -> tuple[list, dict[str, bytes]]:
    """(topic, partition, key, value), round robin per topic, then the sentinels; and the
    last value of each topic, for more sentinels later."""
    records, counts, last = [], defaultdict(int), {}
    for record in generate(WorkloadConfig(seed=seed, events=GENERATED)):
        if record.topic in INPUT_TOPICS:
            records.append((record.topic, counts[record.topic] % PARTITIONS, record.key,
                            record.value))
            counts[record.topic] += 1
            last[record.topic] = record.value
    return records + later_sentinels(last, timedelta(hours=1)), last


def later_sentinels(last: dict[str, bytes], after: timedelta) -> list:
    return [(topic, *sentinel) for topic in INPUT_TOPICS
            for sentinel in sentinels(last[topic], after)]


def produce(bootstrap: str, records) -> Offsets:
    """Produce in order; the delivery reports say where the records landed."""
    landed: dict[tuple[str, int], list[int]] = {}
    failures: list[str] = []

    def on_delivery(error, message) -> None:
        if error is not None:
            failures.append(str(error))
            return
        span = landed.setdefault((message.topic(), message.partition()), [message.offset()] * 2)
        span[0], span[1] = min(span[0], message.offset()), max(span[1], message.offset())

    producer = Producer(producer_config(bootstrap, {
        "on_delivery": on_delivery, "delivery.report.only.error": False, "linger.ms": 50}))
    for i, (topic, partition, key, value) in enumerate(records):
        while True:
            try:
                producer.produce(topic, value, key, partition=partition)
                break
            except BufferError:
                producer.poll(0.05)
        if i % 10_000 == 0:
            producer.poll(0)
    assert producer.flush(300) == 0 and not failures, failures
    offsets: Offsets = defaultdict(dict)
    for (topic, partition), (first, last) in landed.items():
        offsets[topic][partition] = (first, last + 1)
    return offsets


def start_at(bootstrap: str, offsets: Offsets) -> None:
    """Point the job's consumer group at the first records, for --start-from group-offsets."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"argus-{JOB_NAME}",
                         "enable.auto.commit": False})
    try:
        consumer.commit(offsets=[TopicPartition(topic, p, first)
                                 for topic, spans in offsets.items()
                                 for p, (first, _) in spans.items()], asynchronous=False)
    finally:
        consumer.close()


def job_args() -> list[str]:
    # No idleness: every partition has records to the end (see ops/support.py job_args).
    return ["--parallelism", "2", "--checkpoint-interval", "2", "--idle-timeout", "3600",
            "--start-from", "group-offsets"]


def submit(stack, settings, args: list[str]) -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ARGUS_POSTGRES_JDBC_URL", settings.postgres_jdbc_url)
        return flink_run(stack, "jobs.anomaly_flags", args)


def anomaly_rows(settings) -> dict[str, tuple]:
    with psycopg.connect(settings.postgres_dsn) as conn:
        rows = conn.execute(
            "SELECT insight_id, org_id, project_id, anomaly_kind, subject, observed, baseline,"
            " score, severity, window_start, detected_at FROM anomalies WHERE org_id <> %s",
            (SENTINEL_ORG,)).fetchall()
    return {row[0]: row for row in rows}


@pytest.fixture
def rest(stack):
    with FlinkRest(stack.flink_rest_url) as client:
        yield client


def test_anomaly_flags_killed_twice_gives_the_failure_free_result(stack, rest):
    records, last = input_records(seed=21)
    offsets = produce(stack.kafka_bootstrap, records)
    events = sum(end - first for spans in offsets.values() for first, end in spans.values())
    assert events >= 200_000
    expected = anomaly_table_rows(replayed_flags(
        ((topic, value) for topic, _, _, value in records), skip_orgs=frozenset({SENTINEL_ORG})))
    assert expected, "the failure-free run flags nothing: nothing to compare"

    crashed = run_database(stack, "ops_anomaly_crash")
    start_at(stack.kafka_bootstrap, offsets)
    job_id = submit(stack, crashed, job_args())
    cluster = FlinkCluster(stack)
    recoveries = []
    try:
        for _ in range(2):
            # A checkpoint of its own first, so the job has made progress to lose.
            since = last_checkpoint_id(rest, job_id)
            before = wait_until(lambda: (n := last_checkpoint_id(rest, job_id)) > since and n,
                                "a completed checkpoint", timeout=600)
            killed_at = kill_taskmanager(cluster)
            assert cluster.start_taskmanager()
            recoveries.append(watch_recovery(rest, job_id, before, killed_at))
        # Watermarks are not checkpointed: a partition the job had read to its end before the
        # checkpoint it restored would hold every timer back (idleness is off). New sentinels
        # on every partition, later than the first, let each one advance again.
        produce(stack.kafka_bootstrap, later_sentinels(last, timedelta(hours=2)))
        wait_for_rows(crashed, expected, timeout=900, read=anomaly_rows, what="anomalies")
        assert len(rest.exceptions(job_id)) >= 2
    finally:
        rest.cancel(job_id)
    log.warning("anomaly-flags crash recovery: %d events, %d anomalies; after each kill (s): %s",
                events, len(expected),
                "; ".join(", ".join(f"{k} {v:.1f}" for k, v in r.items()) for r in recoveries))
