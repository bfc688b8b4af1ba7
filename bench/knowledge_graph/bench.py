"""Benchmark the knowledge graph on a private ArcadeDB (Bolt) server of the local stack's build.

1. Write throughput: the same generated events, already turned into GraphUpdates, written
   a) naively, one transaction per event (each event's statements with one-row parameters),
   b) batched, ``UNWIND $rows`` per statement shape, ``--batch-size`` events per transaction.
   Both start from an empty graph, in the same run, on the same server.
2. ``impact`` latency: a graph of ``--tests`` tests (plus their projects, files and COVERS
   edges), then ``--queries`` impact queries for random files through the Python API.

Writes ``bench/results/knowledge_graph.md``. Run with ``make bench-knowledge-graph``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from argus_flink.contracts import ParsedEvent, parse
from argus_flink.generator import WorkloadConfig, generate
from argus_flink.graph import statements as st
from argus_flink.graph.events import graph_event
from argus_flink.graph.queries import GraphQueries
from argus_flink.graph.records import GraphUpdate, Source
from argus_flink.graph.schema import apply_schema
from argus_flink.graph.summaries import MemoryStore, summarise
from argus_flink.graph.updates import iso
from argus_flink.graph.writer import GraphTarget, GraphWriter
from argus_flink.settings import PROJECT_ROOT, StackSettings
from argus_flink.stack.graph import GraphServer

RESULTS = PROJECT_ROOT / "bench" / "results" / "knowledge_graph.md"
BENCH_HOME = PROJECT_ROOT / ".argus" / "bench-knowledge-graph"
ORG = "bench-org"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graph_updates(events: int, seed: int) -> tuple[list[GraphUpdate], float]:
    """Generated records as the job's summaries operator emits them, and that step's rate."""
    started = time.perf_counter()
    stores: dict[str, MemoryStore] = defaultdict(MemoryStore)
    updates = []
    config = WorkloadConfig(seed=seed, events=events, orgs=3, tests_per_project=40)
    for offset, record in enumerate(generate(config)):
        parsed = parse(record.topic, record.value, partition=0, offset=offset)
        if not isinstance(parsed, ParsedEvent):
            continue
        event = graph_event(parsed)
        if event is not None:
            source = Source(record.topic, 0, offset, record.value.decode())
            updates.append(summarise(event, source, stores[event.org_id]))
    return updates, len(updates) / (time.perf_counter() - started)


def clear(writer: GraphWriter) -> None:
    # In slices: one huge delete transaction is slow on ArcadeDB.
    while True:
        records, _, _ = writer.driver.execute_query(
            "MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS deleted",
            database_=writer.target.database)
        if not records or records[0]["deleted"] == 0:
            return


def write_rate(writer: GraphWriter, updates: list[GraphUpdate], batch_size: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(updates), batch_size):
        outcome = writer.write(updates[start:start + batch_size])
        if outcome.failed:
            raise RuntimeError(outcome.failed[0].detail)
    return len(updates) / (time.perf_counter() - started)


def load_tests(writer: GraphWriter, tests: int, rng: random.Random) -> dict[str, int]:
    """A synthetic org: ``tests`` tests in 50 projects, each covering its test file and one
    to three of its project's 100 source files; a few files are shared by many tests."""
    projects, files_per_project = 50, 100
    chunk: dict[str, list[dict]] = defaultdict(list)
    fan_in: dict[str, int] = defaultdict(int)
    now = iso(int(datetime(2026, 11, 21, tzinfo=UTC).timestamp() * 1000))

    def flush() -> None:
        for statement in (st.PROJECTS, st.TESTS, st.HAS_TEST, st.COVERS):
            rows = chunk.pop(statement.name, [])
            if rows:
                writer.driver.execute_query(statement.cypher, rows=rows,
                                            database_=writer.target.database)

    for p in range(projects):
        chunk[st.PROJECTS.name].append({"org_id": ORG, "project_id": f"p{p}"})
    for n in range(tests):
        project = n % projects
        test_id = f"t{n:06d}"
        recent = rng.randint(0, 20)
        failures = rng.randint(0, recent) if rng.random() < 0.1 else 0
        props = {"name": f"test_{n}", "project_id": f"p{project}",
                 "file_path": f"p{project}/tests/test_{n // projects % 400}.py",
                 "runs": recent,
                 "failures": failures, "skips": 0, "last_status": "passed",
                 "last_run_at": now, "recent_runs": recent, "recent_failures": failures}
        if recent:
            props["recent_failure_rate"] = failures / recent
        chunk[st.TESTS.name].append({"org_id": ORG, "test_id": test_id, "props": props})
        chunk[st.HAS_TEST.name].append({"org_id": ORG, "project_id": f"p{project}",
                                        "test_id": test_id})
        covered = {props["file_path"]}
        # Skewed like real code: low-numbered files (core modules) are covered far more.
        covered |= {f"p{project}/src/m{int(rng.paretovariate(1.2)) % files_per_project}.py"
                    for _ in range(rng.randint(1, 3))}
        for path in covered:
            fan_in[path] += 1
            chunk[st.COVERS.name].append({"org_id": ORG, "test_id": test_id, "path": path})
        if n % 2000 == 1999:
            flush()
    flush()
    return fan_in


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def impact_latencies(queries: GraphQueries, fan_in: dict[str, int], count: int,
                     limit: int | None, rng: random.Random) -> tuple[list[float], list[int]]:
    paths = list(fan_in)
    for path in rng.sample(paths, 50):  # warm-up: the server's plan cache and page cache
        queries.impact(ORG, path, limit=limit)
    latencies, sizes = [], []
    for _ in range(count):
        path = rng.choice(paths)
        started = time.perf_counter()
        tests = queries.impact(ORG, path, limit=limit)
        latencies.append((time.perf_counter() - started) * 1000)
        sizes.append(len(tests))
    return latencies, sizes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--naive-events", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--tests", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    shutil.rmtree(BENCH_HOME, ignore_errors=True)
    settings = StackSettings(home=BENCH_HOME, bolt_port=free_port(),
                             graph_http_port=free_port())
    server = GraphServer(settings)
    server.start(timeout=240)
    try:
        target = GraphTarget(settings.bolt_uri, settings.graph_user,
                             SecretStr(settings.graph_password), settings.graph_db)
        writer = GraphWriter(target)
        apply_schema(writer.driver, target.database)
        updates, summarise_rate = graph_updates(args.events, args.seed)
        naive_input = updates[:args.naive_events]
        print(f"{len(updates)} updates ({summarise_rate:,.0f}/s parse+summarise); "
              f"naive run on {len(naive_input)}", file=sys.stderr)
        # Warm-up of both modes: driver import, the server's query plans and its JIT. The
        # first batches on a fresh JVM are several times slower than the rest.
        write_rate(writer, updates, args.batch_size)
        write_rate(writer, updates[:100], 1)
        clear(writer)
        naive = write_rate(writer, naive_input, 1)
        clear(writer)
        batched_same = write_rate(writer, naive_input, args.batch_size)
        clear(writer)
        batched_all = write_rate(writer, updates, args.batch_size)
        clear(writer)
        print(f"naive {naive:,.1f}/s, batched {batched_same:,.1f}/s (same events), "
              f"{batched_all:,.1f}/s (all)", file=sys.stderr)

        started = time.perf_counter()
        fan_in = load_tests(writer, args.tests, rng)
        load_s = time.perf_counter() - started
        print(f"loaded {args.tests} tests in {load_s:.0f}s", file=sys.stderr)
        queries = GraphQueries(writer.driver, target.database)
        latencies = {limit: impact_latencies(queries, fan_in, args.queries, limit,
                                             random.Random(args.seed))
                     for limit in (None, 50)}
        writer.close()
    finally:
        server.stop()
        shutil.rmtree(BENCH_HOME, ignore_errors=True)

    report = render(args, len(updates), summarise_rate, naive, batched_same, batched_all,
                    load_s, fan_in, latencies)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    print(report)


def render(args, updates: int, summarise_rate: float, naive: float, batched_same: float,
           batched_all: float, load_s: float, fan_in: dict[str, int],
           latencies: dict[int | None, tuple[list[float], list[int]]]) -> str:
    speedup = batched_same / naive
    rows = []
    for limit, (times, sizes) in latencies.items():
        mode = "every covering test" if limit is None else f"the riskiest {limit} (CLI default)"
        rows.append(f"| {mode} | {percentile(times, 0.5):.1f} ms | "
                    f"{percentile(times, 0.95):.1f} ms | {percentile(times, 0.99):.1f} ms | "
                    f"{max(times):.1f} ms | {statistics.mean(times):.1f} ms | "
                    f"{statistics.mean(sizes):.0f} / {max(sizes):,} |")
    table = "\n".join(rows)
    return f"""# Knowledge graph benchmark

Measured by `make bench-knowledge-graph` (`bench/knowledge_graph/bench.py`) on
{datetime.now(UTC):%Y-%m-%d}, on the shared 2-core development machine, against a private
ArcadeDB 26.10.2 server (Bolt plugin, 1 GiB heap) started by the benchmark. Other engineers'
stacks were running on the same machine, so absolute figures are noisy; the ratio is the point.

## Writes: batched vs naive per-event

Input: {updates:,} events of the seeded generator (seed {args.seed}: test results, failures,
error reports, commits), turned into graph updates by the job's own pure code
(parse + summarise: {summarise_rate:,.0f} events/s, not included below). Both runs use the
same statements and the same writer, from an empty graph, with all constraints in place,
after one warm-up pass of each mode (a fresh JVM is several times slower at first).

| mode | events | events/s into the graph |
|---|---:|---:|
| naive: one transaction per event, one-row parameters | {args.naive_events:,} | {naive:,.1f} |
| batched: `UNWIND $rows`, {args.batch_size} events per transaction (same events) | {args.naive_events:,} | {batched_same:,.1f} |
| batched: `UNWIND $rows`, {args.batch_size} events per transaction | {updates:,} | {batched_all:,.1f} |

**Speed-up from batching: {speedup:.1f}×** (goal: ≥ 10×). Batching also compacts: within a
batch, each test's summary is written once, with its latest absolute values.

## `impact` query latency on {args.tests:,} tests

Graph: one org, 50 projects, {args.tests:,} tests, {len(fan_in):,} files,
{sum(fan_in.values()):,} COVERS edges (loaded in {load_s:.0f}s); a file is covered by
{statistics.mean(fan_in.values()):.0f} tests on average, {max(fan_in.values()):,} at most (a
few core modules are covered by most of their project's tests). {args.queries:,}
`GraphQueries.impact(org, file)` calls for random files, after 50 warm-up calls, one at a
time, through the Python driver:

| returns | p50 | p95 | p99 | max | mean | tests returned (mean / max) |
|---|---:|---:|---:|---:|---:|---:|
{table}
"""


if __name__ == "__main__":
    main()
