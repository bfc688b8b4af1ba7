"""The Kafka-protocol broker (Tansu locally, Redpanda in production) and its topics."""

from __future__ import annotations

import time

from confluent_kafka.admin import AdminClient, NewTopic

from argus_flink.stack.service import Health, Service, ServiceError
from argus_flink.topics import TOPICS, topic_config


def admin_client(bootstrap: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 5000})


def ensure_topics(bootstrap: str, *, timeout: float = 15.0) -> list[str]:
    """Create every contract topic that is missing; returns the names created."""
    admin = admin_client(bootstrap)
    existing = admin.list_topics(timeout=timeout).topics
    missing = [
        NewTopic(t.name, num_partitions=t.local_partitions, replication_factor=1,
                 config=topic_config(t))
        for t in TOPICS
        if t.name not in existing
    ]
    if not missing:
        return []
    for name, future in admin.create_topics(missing, operation_timeout=timeout).items():
        try:
            future.result(timeout)
        except Exception as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise ServiceError(f"broker: could not create topic {name}: {exc}") from exc
    return [t.topic for t in missing]


def reset_topics(bootstrap: str, *, timeout: float = 30.0) -> None:
    """Delete and recreate every contract topic: empty topics whose offsets start at 0 again."""
    admin = admin_client(bootstrap)
    names = [t.name for t in TOPICS if t.name in admin.list_topics(timeout=timeout).topics]
    if names:
        for name, future in admin.delete_topics(names, operation_timeout=timeout).items():
            future.result(timeout)
    deadline = time.monotonic() + timeout
    while set(names) & set(admin.list_topics(timeout=timeout).topics):
        if time.monotonic() > deadline:
            raise ServiceError(f"broker: topics not deleted after {timeout:.0f}s")
        time.sleep(0.2)
    ensure_topics(bootstrap, timeout=timeout)


class Broker(Service):
    name = "broker"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.ports = ((settings.kafka_port, "ARGUS_KAFKA_PORT"),)

    def url(self) -> str:
        return self.settings.kafka_bootstrap

    def _start(self) -> None:
        listener = f"tcp://127.0.0.1:{self.settings.kafka_port}"
        self._spawn(
            [
                str(self.settings.tools / "bin" / "tansu"), "broker",
                "--listener-url", listener,
                "--advertised-listener-url", listener,
                # This Tansu build stores in memory only: a broker restart loses all topics.
                "--storage-engine", "memory://tansu/",
            ],
            env={"RUST_LOG": "warn"},
        )

    def check(self) -> Health:
        metadata = admin_client(self.url()).list_topics(timeout=3)
        return Health(True, f"{len(metadata.brokers)} broker(s), {len(metadata.topics)} topics")

    def prepare(self) -> None:
        ensure_topics(self.url())
