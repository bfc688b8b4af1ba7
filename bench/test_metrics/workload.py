"""The benchmark's input: seeded test.executed records from the project's generator, written
once to a fresh topic with explicit partitions, so each partition's end offset is known."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass

from confluent_kafka import Producer
from confluent_kafka.admin import NewTopic

from argus_flink.generator import WorkloadConfig, generate
from argus_flink.generator.produce import producer_config
from argus_flink.stack.broker import admin_client
from argus_flink.topics import MAX_MESSAGE_BYTES, Topic


@dataclass(frozen=True)
class Prefill:
    topic: str
    partitions: int
    records: int
    bytes: int
    end_offsets: tuple[tuple[int, int], ...]  # (partition, offset after the last record)
    produce_seconds: float


def test_executed_values(events: int, seed: int, *, scale: int, bad_fraction: float,
                         duplicate_fraction: float) -> Iterator[tuple[bytes | None, bytes]]:
    """``events`` (key, value) pairs of argus.test.executed from the seeded generator."""
    config = WorkloadConfig(seed=seed, events=events * 2, scale=scale,
                            bad_fraction=bad_fraction, duplicate_fraction=duplicate_fraction)
    executed = (r for r in generate(config) if r.topic == Topic.TEST_EXECUTED)
    for record in itertools.islice(executed, events):
        yield record.key, record.value


def create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    admin = admin_client(bootstrap)
    future = admin.create_topics([NewTopic(topic, partitions, 1, config={
        "max.message.bytes": str(MAX_MESSAGE_BYTES)})])[topic]
    future.result(30)


def prefill(bootstrap: str, topic: str, partitions: int, values) -> Prefill:
    """Produce every value to ``topic``, round-robin over the partitions so that each source
    subtask gets the same share; the end offsets are then simply the counts per partition.
    (The generator bounds disorder over the whole stream, so it holds in every partition.)"""
    create_topic(bootstrap, topic, partitions)
    producer = Producer(producer_config(bootstrap, {"linger.ms": 50}))
    counts = [0] * partitions
    total_bytes = 0
    started = time.monotonic()
    for index, (key, value) in enumerate(values):
        partition = index % partitions
        while True:
            try:
                producer.produce(topic, value, key, partition=partition)
                break
            except BufferError:
                producer.poll(0.05)
        counts[partition] += 1
        total_bytes += len(value)
        if sum(counts) % 10_000 == 0:
            producer.poll(0)
    if producer.flush(300):
        raise RuntimeError("records still queued after 300 s")
    return Prefill(topic, partitions, sum(counts), total_bytes,
                   tuple(enumerate(counts)), time.monotonic() - started)
