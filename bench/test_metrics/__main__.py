"""`make bench-test-metrics`: the test-metrics job against a raw read and a Python consumer.

Runs on a stack of its own (`.argus/bench-stack`, every port 300 above the test stack's), so
it never touches a developer's stack or a test run. Writes bench/results/test_metrics.md.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid

from rich.console import Console

from argus_flink.settings import PROJECT_ROOT
from bench.common.stack import private_stack
from bench.test_metrics import baselines, flink, flink_floor, report, savepoint_cycle, workload

GOALS = {"vs_python": 5.0, "vs_raw": 0.5}
RESULT = PROJECT_ROOT / "bench" / "results" / "test_metrics.md"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench-test-metrics", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=2,
                        help="also the job's parallelism: one partition per source subtask")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-stack", action="store_true", help="leave the stack running")
    parser.add_argument("--skip-savepoints", action="store_true",
                        help="leave out the savepoint and replay timings")
    parser.add_argument("--topic", help="reuse a topic prefilled by an earlier run (with "
                                        "--keep-stack) instead of producing a new one")
    args = parser.parse_args(argv)
    console = Console()
    # No restart: the broker keeps topics in memory, and --topic reuses a prefilled one.
    with private_stack("bench-stack", offset=300, restart=False, keep=args.keep_stack,
                       console=console) as settings:
        topic = args.topic or f"bench.test_metrics.{uuid.uuid4().hex[:8]}"
        if not args.topic:
            console.print(f"prefilling {topic} with {args.events:,} events")
            values = workload.test_executed_values(args.events, args.seed, scale=25,
                                                   bad_fraction=0.001, duplicate_fraction=0.01)
            filled = workload.prefill(settings.kafka_bootstrap, topic, args.partitions, values)
            console.print(f"  {filled.records:,} records in {filled.produce_seconds:,.0f} s")
        run_id = uuid.uuid4().hex[:6]
        outputs = [f"{topic}.{run_id}.insights", f"{topic}.{run_id}.dlq"]
        for output in outputs:
            workload.create_topic(settings.kafka_bootstrap, output, 3)

        raw = baselines.raw_read(settings.kafka_bootstrap, topic, args.partitions, args.events)
        prefill = workload.Prefill(topic, args.partitions, raw.records, raw.bytes,
                                   raw.end_offsets, 0.0)
        console.print(f"raw read: {raw.rate:,.0f} events/s, {raw.cpu_rate:,.0f} per CPU-s")
        python, windows = baselines.python_windows(settings.kafka_bootstrap, topic,
                                                   args.partitions, prefill.records)
        console.print(f"Python consumer: {python.rate:,.0f} events/s, "
                      f"{python.cpu_rate:,.0f} per CPU-s, {python.windows:,} windows")

        load = os.getloadavg()
        offsets = ",".join(f"{p}:{o}" for p, o in raw.end_offsets)
        floor = flink_floor.measure(settings, topic, offsets, args.partitions, prefill.records)
        console.print(f"Flink floor (source -> blackhole): {floor.rate:,.0f} events/s, "
                      f"{floor.cpu_rate:,.0f} per CPU-s")
        common_args = ["--input-topic", topic, "--insight-topic", outputs[0],
                       "--dlq-topic", outputs[1], "--parallelism", str(args.partitions)]
        job_args = [*common_args, "--bounded-offsets", offsets, "--job-name",
                    "test-metrics-bench", "--transactional-id-prefix",
                    f"bench-{uuid.uuid4().hex[:8]}"]
        orgs = sorted({org for org, _, _ in windows})
        started = time.monotonic()
        run = flink.run_job(settings, job_args, records=prefill.records,
                            windows=len(windows), orgs=orgs)
        console.print(f"Flink job: {run.rate:,.0f} events/s, {run.cpu_rate:,.0f} per CPU-s "
                      f"({time.monotonic() - started:,.0f} s with submission)")
        cycle = None
        if not args.skip_savepoints:
            console.print("savepoint, stop with savepoint and replay at this state size")
            unbounded = [*common_args, "--transactional-id-prefix",
                         f"bench-{uuid.uuid4().hex[:8]}"]
            cycle = savepoint_cycle.measure(settings, unbounded, prefill.records)
            console.print(f"  savepoint {cycle.savepoint_seconds:.1f} s, stop "
                          f"{cycle.stop_seconds:.1f} s, restore {cycle.restore_seconds:.1f} s")
        text = report.render(prefill=prefill, raw=raw, python=python, floor=floor, flink=run,
                             goals=GOALS,
                             parallelism=args.partitions, load=load, cycle=cycle)
        console.print(f"wrote {report.write(text, RESULT)}")
        console.print(text)


if __name__ == "__main__":
    main()
