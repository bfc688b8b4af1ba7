"""A benchmark's input: seeded generator records written to a job's input topics, with the
exact offsets each batch occupies (from delivery reports: the benchmark stack is private, so
nothing else writes there) and, when paced, when each record was sent."""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from confluent_kafka import Producer

from argus_flink.generator.produce import RateLimiter, producer_config, send_record
from argus_flink.generator.record import Record, to_epoch_ms
from argus_flink.topics import TOPICS


@dataclass
class Batch:
    """Records of one workload: [starts, stops) per input topic and partition."""

    starts: dict[str, dict[int, int]]
    stops: dict[str, dict[int, int]] = field(default_factory=dict)
    records: int = 0  # records on the input topics (bad and redelivered ones included)
    by_topic: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    # For paced batches: (largest event time sent so far, wall clock when it was sent).
    sent: list[tuple[int, float]] = field(default_factory=list)

    def sent_at(self, event_time: int) -> float | None:
        """Wall clock when the stream first reached ``event_time``: the moment the evidence
        of a flag detected at that event time was complete."""
        index = bisect.bisect_left(self.sent, (event_time, float("-inf")))
        return self.sent[index][1] if index < len(self.sent) else None

    def job_args(self, *, bounded: bool) -> list[str]:
        """The job options that read this batch: from the group offsets (committed at the
        batch's starts), to its stops when bounded."""
        args = ["--start-from", "group-offsets"]
        for topic in self.stops if bounded else ():
            spec = ";".join(f"partition:{p},offset:{o}"
                            for p, o in sorted(self.stops[topic].items()))
            args += ["--bounded-offsets", f"{topic}={spec}"]
        return args


class InputWriter:
    """Writes batches to the given topics one after another and remembers where each ends;
    records for other topics are left out."""

    def __init__(self, bootstrap: str, topics: Iterable[str]) -> None:
        self.bootstrap = bootstrap
        wanted = set(topics)
        self.ends = {spec.name: dict.fromkeys(range(spec.local_partitions), 0)
                     for spec in TOPICS if spec.name in wanted}

    def write(self, records: Iterable[Record], *, rate: float | None = None) -> Batch:
        batch = Batch(starts={topic: dict(ends) for topic, ends in self.ends.items()})
        failures: list[str] = []

        def delivered(error, message) -> None:
            if error is not None:
                failures.append(str(error))
            elif message.topic() in self.ends:
                ends = self.ends[message.topic()]
                ends[message.partition()] = max(ends[message.partition()], message.offset() + 1)

        # Paced batches are latency measurements: send each record at once.
        overrides = {"on_delivery": delivered, "delivery.report.only.error": False}
        if rate:
            overrides["linger.ms"] = 0
        producer = Producer(producer_config(self.bootstrap, overrides))
        limiter = RateLimiter(rate) if rate else None
        latest = -(2**62)
        started = time.monotonic()
        for record in records:
            if record.topic not in self.ends:
                continue
            if limiter is not None:
                limiter.wait()
            send_record(producer, record)
            batch.records += 1
            batch.by_topic[record.topic] += 1
            if limiter is not None:
                at = to_epoch_ms(record.event_time)
                if at > latest:
                    latest = at
                    batch.sent.append((at, time.monotonic()))
            producer.poll(0)
        if producer.flush(120) or failures:
            raise RuntimeError(f"producing failed: {failures[:3]}")
        batch.seconds = time.monotonic() - started
        batch.stops = {topic: dict(ends) for topic, ends in self.ends.items()}
        return batch

