"""Small Kafka helpers for the CLI, tests and benchmarks (jobs use Flink's connectors)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from confluent_kafka import Consumer, TopicPartition


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def read_topic(
    bootstrap: str,
    topic: str,
    *,
    min_records: int | None = None,
    timeout: float = 30.0,
    idle: float = 2.0,
) -> list[Message]:
    """Read a topic from the beginning of every partition.

    Stops at ``min_records`` records, or after ``idle`` seconds with nothing new, or at
    ``timeout``. Partitions are assigned, not subscribed: the local broker's group join is
    slow, and its high watermark is unreliable for multi-record batches (see STACK.md).
    """
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "argus-reader",
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
    })
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        messages: list[Message] = []
        deadline = time.monotonic() + timeout
        last_new = time.monotonic()
        while time.monotonic() < deadline:
            if min_records is not None and len(messages) >= min_records:
                break
            if min_records is None and time.monotonic() - last_new > idle:
                break
            batch = consumer.consume(num_messages=10_000, timeout=0.5)
            for msg in batch:
                if msg.error():
                    continue
                messages.append(Message(msg.topic(), msg.partition(), msg.offset(),
                                        msg.key(), msg.value()))
            if batch:
                last_new = time.monotonic()
        return messages
    finally:
        consumer.close()
