"""`make bench-failure-embeddings`: failure events/s and embeddings/s through the
failure-embeddings job, against the model called directly in the same run.

1. Embedding-bound: every event carries a failure text new to its org (``distinct_failures``).
   The model alone embeds those texts first, grouped as the job's writer groups them; then the
   job (parallelism 1: one model, as in the direct call) reads the same events to its end. Its
   embeddings/s against the model's is the cost of running the model inside Flink.
2. Realistic: the seeded generator's workload with its repeat rate, through the job at the
   local parallelism (2): failure events/s against embeddings/s, i.e. what dedupe saves.

Both runs check the stored patterns: every expected pattern once, occurrences summing to the
distinct failure events, and vectors equal to the model's own. The stack lives in
`.argus/bench-failure-embeddings` with every port 600 above the test stack's and is stopped
at the end. Writes bench/results/failure_embeddings.md.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime

from rich.console import Console

from argus_flink.settings import PROJECT_ROOT, StackSettings
from bench.common.stack import private_stack
from bench.common.workload import InputWriter
from bench.failure_embeddings import flink, model, report, workload
from jobs.failure_embeddings import INPUT_TOPICS

RESULT = PROJECT_ROOT / "bench" / "results" / "failure_embeddings.md"
BATCH_SIZE, EMBED_BATCH_SIZE = 256, 32  # the job's defaults, passed explicitly to both sides
JOB_ARGS = ["--batch-size", str(BATCH_SIZE), "--embed-batch-size", str(EMBED_BATCH_SIZE)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench-failure-embeddings", description=__doc__)
    parser.add_argument("--orgs", type=int, default=8, help="embedding-bound workload")
    parser.add_argument("--tests-per-project", type=int, default=120)
    parser.add_argument("--events", type=int, default=1_000_000, help="realistic workload")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=1_200, help="per job run")
    parser.add_argument("--keep-stack", action="store_true", help="leave the stack running")
    args = parser.parse_args(argv)
    console = Console()
    with private_stack("bench-failure-embeddings", offset=600, keep=args.keep_stack,
                       console=console) as settings:
        results = report.Results(started=datetime.now(UTC), load_before=os.getloadavg())
        try:
            measure(settings, args, results, console)
        finally:
            results.load_after = os.getloadavg()
    RESULT.write_text(report.render(results))
    console.print(f"wrote {RESULT.relative_to(PROJECT_ROOT)}")


def measure(settings: StackSettings, args: argparse.Namespace, results: report.Results,
            console: Console) -> None:
    writer = InputWriter(settings.kafka_bootstrap, INPUT_TOPICS)
    # --- embedding-bound -----------------------------------------------------------------
    records = workload.distinct_failures(orgs=args.orgs, seed=args.seed,
                                         tests_per_project=args.tests_per_project)
    distinct = workload.expected(records)
    results.distinct_batch = writer.write(records)
    results.distinct_chars = sum(map(len, distinct.texts.values())) / len(distinct.texts)
    console.print(f"embedding-bound workload: {len(records):,} events, each a new pattern")
    results.model = model.measure(distinct, batch_size=BATCH_SIZE,
                                  embed_batch_size=EMBED_BATCH_SIZE)
    console.print(f"model alone: {results.model.rate:,.1f} embeddings/s")
    results.fp32 = model.fp32_agreement(EMBED_BATCH_SIZE)
    results.distinct_job = flink.run(settings, results.distinct_batch, distinct,
                                     label="embedding-bound", parallelism=1,
                                     timeout=args.timeout, extra_args=JOB_ARGS)
    flink.check(results.distinct_job, results.model.vectors)
    console.print(f"job: {results.distinct_job.steady_embeddings_per_second:,.1f} "
                  f"embeddings/s {results.distinct_job.run.note}")
    # --- realistic repeat rate -----------------------------------------------------------
    records = workload.realistic(events=args.events, seed=args.seed)
    realistic = workload.expected(records)
    results.realistic_batch = writer.write(records)
    results.realistic_seed = args.seed
    console.print(f"realistic workload: {len(records):,} records, "
                  f"{realistic.failure_events:,} failures, {len(realistic.texts):,} patterns")
    results.realistic_job = flink.run(settings, results.realistic_batch, realistic,
                                      label="realistic", parallelism=2,
                                      timeout=args.timeout, extra_args=JOB_ARGS)
    flink.check(results.realistic_job, {})
    console.print(f"job: {results.realistic_job.per_second(realistic.failure_records):,.0f} "
                  f"failure records/s {results.realistic_job.run.note}")


if __name__ == "__main__":
    main()
