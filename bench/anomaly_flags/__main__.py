"""`make bench-anomaly-flags`: the anomaly-flags job against a plain Python consumer running
the same detector logic, on a stack of its own.

1. Throughput: one seeded workload, read to its end by the baseline consumer and by the job
   (process mode, then thread mode); events/s from the first record read to the end.
2. Flag latency at 50% load: a second workload sent at half the job's measured rate, event
   time compressed so incidents keep coming; the job and the baseline consume it live.
3. State size: the job stops with a savepoint; its detector state per 10,000 tests.

The stack lives in `.argus/bench-anomaly-flags` with every port 450 above the defaults of
the test stack, so it never touches a developer's stack or a test run; it is stopped at the
end. Writes bench/results/anomaly_flags.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from argus_flink.generator.config import WorkloadConfig
from argus_flink.generator.workload import generate_with_manifest
from argus_flink.settings import PROJECT_ROOT, StackSettings
from bench.anomaly_flags import flink, report
from bench.common.bounded import FlinkRun
from bench.common.stack import private_stack
from bench.common.workload import InputWriter
from jobs.anomaly_flags import INPUT_TOPICS

RESULT = PROJECT_ROOT / "bench" / "results" / "anomaly_flags.md"
WARMUP_RECORDS = 2_000  # sent unpaced before the latency run, so Python workers are warm
# Event time runs about 2,000x faster than the clock in the latency run; the idle timeout
# (10 s in real time) shrinks with it, or a quiet partition would hold the watermark back for
# 10 s. Much shorter than 1 s, partitions that are merely sparse (error reports) turn idle
# and back, and the job and the baseline start to disagree on late events.
LIVE_IDLE_TIMEOUT_S = 1.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench-anomaly-flags", description=__doc__)
    parser.add_argument("--events", type=int, default=150_000, help="throughput workload")
    parser.add_argument("--latency-seconds", type=float, default=30,
                        help="how long the latency run sends at 50%% load")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--timeout", type=float, default=1_200, help="per bounded job run")
    parser.add_argument("--keep-stack", action="store_true", help="leave the stack running")
    args = parser.parse_args(argv)
    console = Console()
    with private_stack("bench-anomaly-flags", offset=450, keep=args.keep_stack,
                       console=console) as settings:
        results = report.Results(started=datetime.now(UTC), load_before=os.getloadavg())
        watcher = flink.InsightWatcher(settings.kafka_bootstrap)
        try:
            watcher.start()
            watcher.ready.wait(60)
            writer = InputWriter(settings.kafka_bootstrap, INPUT_TOPICS)
            fastest = measure_throughput(settings, writer, args, results, console)
            measure_latency(settings, writer, fastest, args, results, console)
        finally:
            watcher.stopping.set()
            results.flink_flags = dict(watcher.seen)
            results.load_after = os.getloadavg()
    RESULT.write_text(report.render(results))
    console.print(f"wrote {RESULT.relative_to(PROJECT_ROOT)}")


def measure_throughput(settings: StackSettings, writer: InputWriter, args: argparse.Namespace,
                       results: report.Results, console: Console) -> FlinkRun:
    """One seeded workload through the baseline and the job in each mode; the fastest run."""
    config = WorkloadConfig(seed=args.seed, events=args.events, orgs=3, scale=4,
                            bad_fraction=0.01, duplicate_fraction=0.01)
    records, manifest = generate_with_manifest(config)
    batch = writer.write(records)
    results.workload(batch, manifest)
    console.print(f"throughput workload: {batch.records:,} input records")
    results.baseline = run_baseline(settings, batch, live_seconds=None)
    console.print(f"baseline consumer: {results.baseline['rate']:,.0f} events/s")
    for mode in ("process", "thread"):
        run = flink.run_bounded(settings, batch, mode, args.timeout)
        results.flink_runs.append(run)
        console.print(f"job, {mode} mode: {run.rate:,.0f} events/s {run.note}")
    fastest = max(results.flink_runs, key=lambda run: run.rate)
    if not fastest.rate:
        raise RuntimeError("no job run finished: " + "; ".join(
            f"{run.label} mode: {run.note}" for run in results.flink_runs))
    return fastest


def measure_latency(settings: StackSettings, writer: InputWriter, fastest: FlinkRun,
                    args: argparse.Namespace, results: report.Results,
                    console: Console) -> None:
    """A second workload sent at half the fastest run's rate, consumed live by the job (in
    that run's mode) and the baseline; then the job stops with a savepoint to size its state."""
    rate = fastest.rate / 2
    config = WorkloadConfig(seed=args.seed + 1,
                            events=WARMUP_RECORDS + int(rate * args.latency_seconds),
                            orgs=3, scale=4, start=datetime(2026, 6, 1, tzinfo=UTC))
    records, manifest = generate_with_manifest(config)
    records = [r for r in records if r.topic in INPUT_TOPICS]
    warmup, paced = records[:WARMUP_RECORDS], records[WARMUP_RECORDS:]
    start = {topic: dict(ends) for topic, ends in writer.ends.items()}
    live = flink.start_live(settings, start, LIVE_IDLE_TIMEOUT_S, fastest.label)
    warm = writer.write(warmup)
    flink.wait_for_records(settings, live, warm.records)
    console.print(f"latency run, {fastest.label} mode: {len(paced):,} records at {rate:,.0f}/s")
    with tempfile.TemporaryDirectory() as scratch:
        baseline_live = start_baseline(settings, start, Path(scratch),
                                       live_seconds=len(paced) / rate + 60)
        time.sleep(10)  # the baseline has caught up with the warm-up records
        sent = writer.write(paced, rate=rate)
        flink.wait_for_records(settings, live, warm.records + sent.records)
        time.sleep(20)  # the last flags of both
        results.latency_batch = sent
        results.latency_rate = rate
        results.latency_mode = fastest.label
        results.baseline_live = finish_baseline(baseline_live)
    results.state_bytes = flink.stop_and_measure_state(
        settings, live, f"file://{settings.home}/bench-savepoints")
    results.state_tests = sum(len(p.tests) for org in manifest.orgs for p in org.projects)
    results.latency_manifest = manifest


def _baseline_command(settings, batch_file: Path, result_file: Path,
                      live_seconds: float | None) -> list[str]:
    command = [sys.executable, "-m", "bench.anomaly_flags.baseline",
               "--bootstrap", settings.kafka_bootstrap, "--batch", str(batch_file),
               "--output-topic", "bench.baseline.insights", "--dlq-topic", "bench.baseline.dlq",
               "--result", str(result_file)]
    if live_seconds:
        command += ["--live-seconds", str(live_seconds), "--idle-timeout",
                    str(LIVE_IDLE_TIMEOUT_S)]
    return command


def run_baseline(settings, batch, live_seconds: float | None) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        process = start_baseline(settings, batch.starts, Path(scratch), live_seconds,
                                 stops=batch.stops)
        return finish_baseline(process)


def start_baseline(settings, starts, scratch: Path, live_seconds: float | None,
                   stops=None) -> tuple[subprocess.Popen, Path]:
    batch_file, result_file = scratch / "batch.json", scratch / "result.json"
    batch_file.write_text(json.dumps({"starts": starts, "stops": stops}))
    process = subprocess.Popen(_baseline_command(settings, batch_file, result_file,
                                                 live_seconds), cwd=PROJECT_ROOT)
    return process, result_file


def finish_baseline(started: tuple[subprocess.Popen, Path]) -> dict:
    process, result_file = started
    if process.wait(timeout=3_600):
        raise RuntimeError("the baseline consumer failed")
    result = json.loads(result_file.read_text())
    result["rate"] = result["records"] / result["seconds"] if result["seconds"] else 0.0
    return result


if __name__ == "__main__":
    main()
