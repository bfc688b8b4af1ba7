"""The two baselines, measured on the same topic as the job.

1. raw read: confluent-kafka consuming every record and discarding it, the practical upper
   bound for anything that reads this topic here;
2. a plain single-process Python consumer computing the same windows as the job: the same
   checks, per-partition watermarks, dedupe on event_id per window, the same metrics.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from confluent_kafka import Consumer, TopicPartition

WINDOW_MS = 5 * 60 * 1000
DELAY_MS = 30 * 1000
MAX_PAYLOAD_BYTES = 1_048_576
STATUSES = ("passed", "failed", "skipped", "error")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?Z$")


@dataclass(frozen=True)
class Measured:
    records: int
    seconds: float
    cpu_seconds: float  # CPU time of the process (every thread), the fair measure on a busy box
    end_offsets: tuple[tuple[int, int], ...] = ()
    bytes: int = 0
    windows: int = 0
    rejected: int = 0

    @property
    def rate(self) -> float:
        return self.records / self.seconds

    @property
    def cpu_rate(self) -> float:
        return self.records / self.cpu_seconds


def _batches(bootstrap: str, topic: str, partitions: int, records: int,
             timeout: float) -> Iterator[list]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-baseline",
                         "enable.auto.commit": False, "fetch.max.bytes": 52_428_800})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    seen, deadline = 0, time.monotonic() + timeout
    try:
        while seen < records:
            if time.monotonic() > deadline:
                raise TimeoutError(f"read {seen} of {records} records in {timeout:.0f} s")
            batch = [m for m in consumer.consume(10_000, 1.0) if not m.error()]
            seen += len(batch)
            yield batch
    finally:
        consumer.close()


def raw_read(bootstrap: str, topic: str, partitions: int, records: int,
             timeout: float = 1800) -> Measured:
    """Consume every record and discard it; also learns each partition's end offset."""
    ends = [0] * partitions
    started, cpu = time.monotonic(), time.process_time()
    count = size = 0
    for batch in _batches(bootstrap, topic, partitions, records, timeout):
        count += len(batch)
        for message in batch:
            ends[message.partition()] = max(ends[message.partition()], message.offset() + 1)
            size += len(message.value() or b"")
    return Measured(count, time.monotonic() - started, time.process_time() - cpu,
                    tuple(enumerate(ends)), bytes=size)


# --- the Python consumer a team would write instead of Flink ------------------------------


@dataclass
class _Window:
    ids: set = field(default_factory=set)
    counts: dict = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    flaky: int = 0
    durations: list = field(default_factory=list)

    def metrics(self) -> dict:
        total = len(self.durations)
        ordered = sorted(self.durations)
        position = 0.95 * (total - 1)
        low, high = math.floor(position), math.ceil(position)
        not_skipped = total - self.counts["skipped"]
        return {
            "total": total, **self.counts, "flaky": self.flaky,
            "pass_rate": self.counts["passed"] / not_skipped if not_skipped else None,
            "avg_duration_ms": sum(ordered) / total,
            "p95_duration_ms": ordered[low] + (ordered[high] - ordered[low]) * (position - low),
        }


def check(value: bytes | None) -> tuple[dict | None, int | None]:
    """The event and its event time in ms, or (None, None) when the job would dead-letter it."""
    if value is None or len(value) > MAX_PAYLOAD_BYTES:
        return None, None
    try:
        event = json.loads(value)
    except ValueError:
        return None, None
    if not isinstance(event, dict):
        return None, None
    timestamp = event.get("timestamp")
    strings = [event.get(k) for k in ("org_id", "event_id", "event_type", "source", "test_id",
                                      "run_id")]
    duration = event.get("duration_ms")
    # Like the job, a missing or null optional field takes the contract's default.
    flaky = False if event.get("is_flaky") is None else event["is_flaky"]
    confidence = 0.0 if event.get("flaky_confidence") is None else event["flaky_confidence"]
    project = event.get("project_id")
    if not (all(isinstance(s, str) and s.strip() for s in strings)
            and isinstance(timestamp, str) and _TIMESTAMP.match(timestamp)
            and (project is None or isinstance(project, str))
            and event.get("status") in STATUSES
            and type(duration) is int and duration >= 0
            and type(flaky) is bool
            and type(confidence) in (int, float) and 0 <= confidence <= 1):
        return None, None
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return event, int(moment.timestamp() * 1000)


def python_windows(bootstrap: str, topic: str, partitions: int, records: int,
                   timeout: float = 3600) -> tuple[Measured, dict]:
    """Consume, check, window and aggregate; windows close on the per-partition watermark."""
    newest = {p: None for p in range(partitions)}
    open_windows: dict[tuple[str, str, int], _Window] = {}
    closed: dict[tuple[str, str, int], dict] = {}
    rejected = 0
    started, cpu = time.monotonic(), time.process_time()
    count = 0
    for batch in _batches(bootstrap, topic, partitions, records, timeout):
        for message in batch:
            count += 1
            event, at_ms = check(message.value())
            if event is None:
                rejected += 1
                continue
            partition = message.partition()
            last = newest[partition]
            if last is not None and at_ms <= last - DELAY_MS:
                rejected += 1  # late: behind its partition's watermark
                continue
            newest[partition] = at_ms if last is None else max(last, at_ms)
            key = (event["org_id"], event["project_id"] or "", at_ms - at_ms % WINDOW_MS)
            window = open_windows.get(key)
            if window is None:
                window = open_windows[key] = _Window()
            if event["event_id"] in window.ids:
                continue
            window.ids.add(event["event_id"])
            window.counts[event["status"]] += 1
            window.flaky += event.get("is_flaky") is True
            window.durations.append(float(event["duration_ms"]))
        if None not in newest.values():
            watermark = min(newest.values()) - DELAY_MS
            for key in [k for k in open_windows if k[2] + WINDOW_MS - 1 <= watermark]:
                closed[key] = open_windows.pop(key).metrics()
    for key in list(open_windows):  # end of input closes everything, as in the bounded job
        closed[key] = open_windows.pop(key).metrics()
    measured = Measured(count, time.monotonic() - started, time.process_time() - cpu,
                        windows=len(closed), rejected=rejected)
    return measured, closed
