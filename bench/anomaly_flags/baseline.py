"""The baseline: one plain Python consumer running the job's detector logic.

It does what the job does, in one loop: read both input topics, parse and validate each
record (``argus_flink.contracts.parse``), dead-letter what fails, keep per-partition
watermarks, run ``udfs.anomaly.replay.Replay`` (the detectors the job's operator calls) and
write each flag as an Insight. Run as its own process (``python -m
bench.anomaly_flags.baseline``), so it has a GIL of its own while the benchmark paces input.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition

from argus_flink.contracts import DeadLetter, parse, to_json_bytes
from argus_flink.generator.produce import producer_config
from jobs.anomaly_flags import INPUT_TOPICS
from udfs.anomaly.insights import to_insight
from udfs.anomaly.records import ErrorReport, TestRun
from udfs.anomaly.replay import END_OF_INPUT, Replay
from udfs.anomaly.thresholds import Thresholds

WATERMARK_DELAY_MS = 30_000  # the job's default bounded out-of-orderness


@dataclass
class BaselineRun:
    records: int = 0
    seconds: float = 0.0  # first record read -> last flag written
    cpu_seconds: float = 0.0
    dead_letters: int = 0
    late: int = 0
    # insight id -> (monotonic clock when written, org id, detected_at epoch ms)
    flags: dict[str, tuple[float, str, int]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


class PartitionWatermarks:
    """The job's watermark: per partition the largest event time minus the delay, the
    minimum over partitions still expected to deliver. A bounded read expects every
    partition with records until it reaches its end; a live read every partition that has
    delivered within the idle timeout, as the job's sources do."""

    def __init__(self, delay_ms: int, idle_s: float, expected: set | None = None) -> None:
        self.delay_ms, self.idle_s = delay_ms, idle_s
        self.expected = expected  # None: live
        self.latest: dict[tuple[str, int], int] = {}
        self.seen_at: dict[tuple[str, int], float] = {}

    def observe(self, partition: tuple[str, int], event_time: int) -> None:
        self.latest[partition] = max(self.latest.get(partition, event_time), event_time)
        self.seen_at[partition] = time.monotonic()

    def finish(self, partition: tuple[str, int]) -> None:
        if self.expected is not None:
            self.expected.discard(partition)

    def current(self) -> int:
        if self.expected is not None:
            if any(partition not in self.latest for partition in self.expected):
                return -(2**62)  # a partition not read yet may hold older records
            active = [self.latest[partition] for partition in self.expected]
        else:
            now = time.monotonic()
            active = [latest for partition, latest in self.latest.items()
                      if now - self.seen_at[partition] < self.idle_s]
        if not active:
            return max(self.latest.values(), default=-(2**62)) - self.delay_ms - 1
        return min(active) - self.delay_ms - 1


def run(bootstrap: str, starts: dict, stops: dict | None, output_topic: str, dlq_topic: str,
        *, live_seconds: float | None = None, idle_s: float = 10.0) -> BaselineRun:
    """Bounded by ``stops``, or live for ``live_seconds`` (then the input counts as ended)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-baseline",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 10})
    producer = Producer(producer_config(bootstrap, {"linger.ms": 5}))
    assignment = [TopicPartition(topic, int(p), offset)
                  for topic, ends in starts.items() for p, offset in ends.items()
                  if stops is None or stops[topic][p] > offset]
    consumer.assign(assignment)
    remaining = {(tp.topic, tp.partition): stops[tp.topic][str(tp.partition)]
                 for tp in assignment} if stops is not None else None
    watermarks = PartitionWatermarks(WATERMARK_DELAY_MS, idle_s,
                                     set(remaining) if remaining is not None else None)
    replay = Replay(Thresholds(), WATERMARK_DELAY_MS)
    result = BaselineRun()
    cpu_before, began = time.process_time(), None
    deadline = time.monotonic() + live_seconds if live_seconds else None

    def write(flags) -> None:
        for flag in flags:
            insight = to_insight(flag)
            producer.produce(output_topic, to_json_bytes(insight), flag.org_id.encode())
            # CLOCK_MONOTONIC is one clock for every process on the machine.
            result.flags.setdefault(insight.insight_id,
                                    (time.monotonic(), flag.org_id, flag.detected_at))
        producer.poll(0)

    while (remaining is None or remaining) and (deadline is None or time.monotonic() < deadline):
        for message in consumer.consume(1_000, 0.05):
            if message.error():
                continue
            began = began or time.monotonic()
            partition = (message.topic(), message.partition())
            result.records += 1
            parsed = parse(message.topic(), message.value(), partition=message.partition(),
                           offset=message.offset(), job="bench-baseline")
            if isinstance(parsed, DeadLetter):
                result.dead_letters += 1
                producer.produce(dlq_topic, to_json_bytes(parsed), parsed.kafka_key())
            else:
                event = parsed.event
                record = (TestRun.from_event(event) if message.topic() == INPUT_TOPICS[0]
                          else ErrorReport.from_event(event))
                watermarks.observe(partition, record.event_time)
                write(replay.add(record, watermarks.current()))
            if remaining is not None and message.offset() + 1 >= remaining[partition]:
                del remaining[partition]
                watermarks.finish(partition)
    if stops is not None:  # a bounded input ended: close every window, as Flink does
        write(replay.advance(END_OF_INPUT))
    producer.flush(60)
    consumer.close()
    result.seconds = time.monotonic() - (began or time.monotonic())
    result.cpu_seconds = time.process_time() - cpu_before
    result.late = replay.late
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--batch", type=Path, required=True, help="JSON: starts, stops")
    parser.add_argument("--output-topic", required=True)
    parser.add_argument("--dlq-topic", required=True)
    parser.add_argument("--live-seconds", type=float)
    parser.add_argument("--idle-timeout", type=float, default=10.0,
                        help="seconds; the job's --idle-timeout")
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args()
    batch = json.loads(args.batch.read_text())
    result = run(args.bootstrap, batch["starts"], None if args.live_seconds else batch["stops"],
                 args.output_topic, args.dlq_topic, live_seconds=args.live_seconds,
                 idle_s=args.idle_timeout)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    args.result.write_text(json.dumps({**asdict(result), "peak_rss_bytes": peak_rss}))


if __name__ == "__main__":
    main()
