"""bench/results/failure_embeddings.md from one run's measurements."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass
from datetime import datetime

from bench.common.workload import Batch
from bench.failure_embeddings.flink import JobRun
from bench.failure_embeddings.model import ModelRun

GOALS = {"udf_overhead": 0.15, "embeddings_per_s": 400.0, "cosine": 0.99, "dedupe": 10.0}


@dataclass
class Results:
    started: datetime
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    distinct_batch: Batch | None = None
    distinct_chars: float = 0.0
    model: ModelRun | None = None
    fp32: tuple[int, float, float] | None = None  # texts, min and mean cosine
    distinct_job: JobRun | None = None
    realistic_batch: Batch | None = None
    realistic_seed: int = 0
    realistic_job: JobRun | None = None


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def _load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.1f}" for value in load)


def render(r: Results) -> str:
    lines = [
        "# failure-embeddings benchmark", "",
        f"{r.started:%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores; load "
        f"average before {_load(r.load_before)}, after {_load(r.load_after)}. Command: "
        "`make bench-failure-embeddings`.", "",
    ]
    lines += _embedding_bound(r) + _realistic(r)
    return "\n".join(lines) + "\n"


def _embedding_bound(r: Results) -> list[str]:
    job, model = r.distinct_job, r.model
    if job is None or model is None or r.distinct_batch is None:
        return ["## Embedding-bound run", "", "Not measured (the run stopped earlier).", ""]
    patterns = len(job.expected.texts)
    end_to_end = job.per_second(patterns)
    job_rate = job.steady_embeddings_per_second
    job_cpu = job.run.end_to_end_cpu_seconds
    overhead = 1 - job_rate / model.rate if model.rate and job_rate else float("nan")
    lines = [
        "## Embedding-bound run: the model inside the job against the model alone", "",
        f"{r.distinct_batch.records:,} failed test results on `argus.test.failed` in "
        f"{len(job.expected.orgs)} orgs, each with a failure text new to its org (every "
        "failure cause of a generated scenario, rendered at its site and normalised; "
        f"{r.distinct_chars:,.0f} characters on average). Every event is a new pattern, so "
        "the job's work is mostly the model's. Both sides embed the same texts with the same "
        "`udfs.embedding.Embedder` (int8 all-MiniLM-L6-v2 on ONNX Runtime, 2 intra-op "
        "threads), per org in arrival order, 256 texts per `embed` call and 32 per model "
        "call. The job runs at parallelism 1: one model, as in the direct call.", "",
        "| what | embeddings/s | embeddings per CPU-s | vs model alone |",
        "|---|---:|---:|---:|",
        f"| model called directly (this process, stack idle) | {model.rate:,.1f} | "
        f"{model.cpu_rate:,.1f} | 1.00 |",
        f"| **job**, steady: first patterns in PostgreSQL -> last | {job_rate:,.1f} | | "
        f"**{job_rate / model.rate if model.rate else 0:.2f}** |",
        f"| job, end to end: first record read -> last pattern | {end_to_end:,.1f} | "
        f"{patterns / job_cpu if job_cpu else 0:,.1f} | "
        f"{end_to_end / model.rate if model.rate else 0:.2f} |", "",
        "PostgreSQL is polled twice a second. The end-to-end figure includes the writer "
        "task's start (its Python worker and the model load), which the source does not "
        "wait for. The job's CPU time is the TaskManager's and its Python worker's from the "
        f"first record read to the job's end ({job_cpu:,.1f} s); besides the model it "
        "parses, keeps the dedupe state, upserts, and runs the top-k query of each new "
        "pattern.", "",
        f"- Overhead of the job against the model alone: {overhead:.1%} (goal <= "
        f"{GOALS['udf_overhead']:.0%}): {_met(overhead <= GOALS['udf_overhead'])}. This counts "
        "everything the job does besides the model call, so the UDF's own share is at most "
        "this.",
        f"- Embeddings/s: {job_rate:,.1f} in the job, {model.rate:,.1f} for the model alone "
        f"(goal >= {GOALS['embeddings_per_s']:,.0f}): "
        f"{_met(job_rate >= GOALS['embeddings_per_s'])}.",
    ]
    if job.cosines:
        lines.append(f"- Stored vectors against the model's own for the same text: cosine min "
                     f"{min(job.cosines):.6f}, mean {statistics.fmean(job.cosines):.6f} over "
                     f"{len(job.cosines):,} patterns.")
    if r.fp32 is not None:
        texts, low, mean = r.fp32
        lines.append(f"- Installed model against the fp32 reference (sentence-transformers, "
                     f"`tests/udfs/fixtures/reference_embeddings.json`, {texts} texts): cosine "
                     f"min {low:.4f}, mean {mean:.4f} (goal >= {GOALS['cosine']}): "
                     f"{_met(low >= GOALS['cosine'])}.")
    lines += [_exactness(job), "", *_cpu_table(job, model), ""]
    return lines


def _cpu_table(job: JobRun, model: ModelRun) -> list[str]:
    """Where the job's CPU went, against what the model alone needed for the same texts."""
    if not job.cpu:
        return []
    lines = ["Where the CPU went during the job's run (each part with the processes it "
             "started), against the model alone on the same texts:", "",
             "| part | CPU-s |", "|---|---:|",
             f"| *model alone, same texts (the direct call above)* | *{model.cpu_seconds:,.1f}* |"]
    lines += [f"| {part} | {cpu:,.1f} |" for part, cpu in job.cpu.items() if cpu >= 0.05]
    python = sum(cpu for part, cpu in job.cpu.items() if part.startswith("Python worker"))
    others = sum(job.cpu.values()) - python
    if model.cpu_seconds and python:
        extra = python / model.cpu_seconds - 1
        lines += ["", f"- The Python workers (where the model runs, with parsing, dedupe, "
                  f"upserts and queries) used {extra:+.1%} CPU against the model alone: the "
                  f"cost of the UDF and everything around it in CPU (goal <= "
                  f"{GOALS['udf_overhead']:.0%}): {_met(extra <= GOALS['udf_overhead'])}. The "
                  f"wall-clock overhead above is larger because the rest of the stack "
                  f"({others:,.1f} CPU-s, mostly the JVM: Kafka, exchanges, RocksDB, "
                  "checkpoints) runs on the same 2 cores as the model's threads."]
    return lines


def _realistic(r: Results) -> list[str]:
    job, batch = r.realistic_job, r.realistic_batch
    if job is None or batch is None:
        return ["## Realistic repeat rate", "", "Not measured (the run stopped earlier).", ""]
    e = job.expected
    patterns = len(e.texts)
    events_rate, patterns_rate = job.per_second(e.failure_events), job.per_second(patterns)
    ratio = e.failure_events / patterns if patterns else 0.0
    return [
        "## Realistic repeat rate: what dedupe before embedding saves", "",
        f"The generator's seeded workload (seed {r.realistic_seed}; 1% bad records and 1% "
        f"re-deliveries) on the job's three input topics: {batch.records:,} records, of them "
        f"{e.failure_records:,} failure records ({e.failure_events:,} distinct failure events: "
        "a failed result is on both `argus.test.executed` and `argus.test.failed`) with "
        f"{patterns:,} distinct patterns. The job runs at the local parallelism, 2.", "",
        "| what | per second |", "|---|---:|",
        f"| input records, steady state (10% -> 90% read) | {job.run.rate:,.0f} |",
        f"| input records, first record read -> last pattern written | "
        f"{job.per_second(batch.records):,.0f} |",
        f"| failure records | {job.per_second(e.failure_records):,.0f} |",
        f"| distinct failure events | {events_rate:,.0f} |",
        f"| embeddings (new patterns) | {patterns_rate:,.1f} |", "",
        f"- Failure events/s against embeddings/s: {ratio:,.1f}x (goal >= "
        f"{GOALS['dedupe']:.0f}x): {_met(ratio >= GOALS['dedupe'])}; counting failure records "
        f"(re-deliveries and the second topic included), "
        f"{e.failure_records / patterns if patterns else 0:,.1f}x. The ratio grows with the "
        "stream: patterns repeat, so a longer run adds ever fewer new ones.",
        _exactness(job), "",
    ]


def _exactness(job: JobRun) -> str:
    expected = len(job.expected.texts)
    verdict = "exact" if job.exact else "**not exact**"
    note = f" Note: {job.run.note}." if job.run.note else ""
    return (f"- Stored: {job.rows.rows:,} patterns of {expected:,} expected ({job.missing:,} "
            f"missing), occurrences summing to {job.occurrences:,} of "
            f"{job.expected.failure_events:,} distinct failure events: {verdict}.{note}")
