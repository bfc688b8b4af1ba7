"""Write generated records to Kafka quickly: batched, compressed, idempotent, optionally paced.

The fast path asks librdkafka for delivery reports on failures only, so a successful record
costs one ``produce()`` call and nothing else in Python.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from confluent_kafka import KafkaError, Message, Producer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from argus_flink.generator.record import Record

PRODUCER_DEFAULTS: dict[str, Any] = {
    "enable.idempotence": True,  # a retried batch must not duplicate records
    "acks": "all",
    "linger.ms": 20,
    "batch.size": 1_000_000,
    "batch.num.messages": 10_000,
    "compression.type": "lz4",
    "queue.buffering.max.messages": 500_000,
    "queue.buffering.max.kbytes": 1_048_576,
    # Room for the deliberately oversized bad records (just over 1 MiB); the topic's own
    # max.message.bytes decides whether the broker accepts them.
    "message.max.bytes": 4 * 1024 * 1024,
    "delivery.report.only.error": True,
}
_POLL_EVERY = 1_000  # records between polls that serve failure callbacks
_PROGRESS_EVERY = 2_000
_MAX_ERRORS_KEPT = 10


class _Producer(Protocol):
    def produce(self, topic: str, value: bytes, key: bytes | None) -> None: ...
    def poll(self, timeout: float) -> int: ...
    def flush(self, timeout: float) -> int: ...


@dataclass
class ProduceStats:
    produced: int = 0  # records handed to the producer
    failed: int = 0  # records the broker did not acknowledge
    bytes: int = 0
    elapsed_s: float = 0.0
    by_topic: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # the first few failure reasons

    @property
    def delivered(self) -> int:
        return self.produced - self.failed

    @property
    def records_per_second(self) -> float:
        return self.produced / self.elapsed_s if self.elapsed_s > 0 else 0.0


class RateLimiter:
    """Paces calls to ``rate`` per second on average, sleeping only when ahead of schedule."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = clock()

    def wait(self) -> None:
        now = self._clock()
        if self._next > now:
            self._sleep(self._next - now)
        else:
            # After a stall, resume at the rate instead of bursting to catch up.
            self._next = now
        self._next += self._interval


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} ev/s" if speed else "– ev/s", style="progress.data.speed")


def _progress(console: Console | None) -> Progress:
    return Progress(
        TextColumn("[bold]producing"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def producer_config(bootstrap: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"bootstrap.servers": bootstrap, **PRODUCER_DEFAULTS, **(overrides or {})}


def produce(
    records: Iterable[Record],
    bootstrap: str,
    *,
    rate: float | None = None,
    progress: bool = True,
    total: int | None = None,
    overrides: dict[str, Any] | None = None,
    flush_timeout_s: float = 120.0,
    console: Console | None = None,
    producer_factory: Callable[[dict[str, Any]], _Producer] = Producer,
) -> ProduceStats:
    """Send ``records`` to the broker at ``bootstrap``; return what was sent and what failed."""
    stats = ProduceStats()

    def on_failure(error: KafkaError | None, message: Message) -> None:
        if error is not None:
            stats.failed += 1
            if len(stats.errors) < _MAX_ERRORS_KEPT:
                stats.errors.append(f"{message.topic()}: {error.str()}")

    config = producer_config(bootstrap, overrides)
    config["on_delivery"] = on_failure
    producer = producer_factory(config)
    limiter = RateLimiter(rate) if rate else None
    started = time.monotonic()
    with _progress(console) if progress else _NoProgress() as bar:
        task = bar.add_task("produce", total=total)
        reported = 0
        for record in records:
            if limiter is not None:
                limiter.wait()
            send_record(producer, record)
            stats.produced += 1
            stats.bytes += len(record.value)
            stats.by_topic[record.topic] += 1
            if stats.produced % _POLL_EVERY == 0:
                producer.poll(0)
            if stats.produced - reported >= _PROGRESS_EVERY or limiter is not None:
                bar.update(task, completed=stats.produced)
                reported = stats.produced
        remaining = producer.flush(flush_timeout_s)
        bar.update(task, completed=stats.produced, total=stats.produced)
    if remaining:
        stats.failed += remaining
        stats.errors.append(f"{remaining} records still queued after {flush_timeout_s:.0f}s")
    stats.elapsed_s = time.monotonic() - started
    return stats


def send_record(producer: _Producer, record: Record) -> None:
    """Produce one record, waiting while librdkafka's local queue is full."""
    while True:
        try:
            producer.produce(record.topic, record.value, record.key)
            return
        except BufferError:  # the local queue is full: let librdkafka drain it
            producer.poll(0.05)


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def add_task(self, description: str, total: int | None = None) -> int:
        return 0

    def update(self, task: int, **fields: Any) -> None:
        return None
