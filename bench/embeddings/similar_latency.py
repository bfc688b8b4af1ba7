"""Step 4 (project venv): `similar` latency with 100 000 stored patterns, and sink write rates.

Starts a private PostgreSQL (pgvector) of the local stack's kind under ``.argus/bench-embeddings``
on its own port, then for two layouts of 100 000 patterns, one org holding them all and 100
orgs of 1 000 each:
- bulk-loads them the fast way: drop the HNSW index, binary COPY, build the index again;
- runs 1 000 ``argus_flink.vectors.store.similar`` calls (k=5), timing each end to end;
- checks recall@5 of those answers against exact nearest neighbours computed in numpy.
Then it times ``upsert_patterns`` batches: new patterns (an HNSW insert each) and replayed
count updates. The vectors are clustered like real failures: noisy copies of 2 000 centres.

    .venv/bin/python bench/embeddings/similar_latency.py /tmp/argus-bench [--port 26391]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from argus_flink.settings import PROJECT_ROOT, StackSettings
from argus_flink.stack.postgres import Postgres
from argus_flink.vectors import store
from argus_flink.vectors.store import (
    DIMENSION,
    PatternRow,
    connect,
    copy_patterns,
    similar,
    upsert_patterns,
)

PATTERNS = 100_000
CENTRES = 2_000
QUERIES = 1_000
RECALL_QUERIES = 200
K = 5
T0 = datetime(2026, 11, 21, tzinfo=UTC)
INDEX_DDL = ("CREATE INDEX failure_patterns_embedding_hnsw"
             " ON failure_patterns USING hnsw (embedding vector_cosine_ops)")


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def clustered(rng: np.random.Generator, centres: np.ndarray, n: int) -> np.ndarray:
    # Noise of this size puts a copy at cosine ~0.8 from its centre, like reworded failures.
    picks = rng.integers(0, len(centres), n)
    return unit_rows(centres[picks] + 0.04 * rng.standard_normal((n, DIMENSION)))


def load(conn, orgs: list[str], vectors: np.ndarray) -> dict:
    conn.execute("TRUNCATE failure_patterns")
    conn.execute("DROP INDEX IF EXISTS failure_patterns_embedding_hnsw")
    conn.commit()
    rows = (PatternRow(orgs[i % len(orgs)], f"fp-{i:06d}", "bench", vectors[i],
                       f"E: failure {i}", 1, T0, T0) for i in range(len(vectors)))
    start = time.perf_counter()
    copy_patterns(conn, rows)
    copied = time.perf_counter() - start
    # One parallel worker at most: the machine's two cores are shared.
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET max_parallel_maintenance_workers = 1")
    start = time.perf_counter()
    conn.execute(INDEX_DDL)
    conn.execute("ANALYZE failure_patterns")
    conn.commit()
    return {"copy_s": round(copied, 1), "index_build_s": round(time.perf_counter() - start, 1)}


def query_latency(conn, orgs: list[str], vectors: np.ndarray, queries: np.ndarray) -> dict:
    latencies, recalls = [], []
    by_org = {org: np.arange(i, len(vectors), len(orgs)) for i, org in enumerate(orgs)}
    for n, query in enumerate(queries):
        org = orgs[n % len(orgs)]
        start = time.perf_counter()
        found = similar(conn, org, query, k=K)
        latencies.append(time.perf_counter() - start)
        if n < RECALL_QUERIES:
            members = by_org[org]
            exact = members[np.argsort(-(vectors[members] @ query))[:K]]
            recalls.append(len({f"fp-{i:06d}" for i in exact}
                               & {p.fingerprint for p in found}) / K)
    ms = np.array(latencies) * 1000
    # The plan similar() gets for this org, with the settings it makes.
    with conn.transaction():
        store._tune_search(conn, K)
        store._use_index(conn, orgs[0], store.EXACT_SEARCH_MAX_PATTERNS)
        plan = conn.execute("EXPLAIN " + store._SIMILAR, {
            "query": queries[0], "org_id": orgs[0], "exclude": None, "k": K,
            "min_similarity": 0.0}).fetchall()
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "mean_ms": round(float(ms.mean()), 2),
            f"recall_at_{K}": round(float(np.mean(recalls)), 3),
            "search": "hnsw index" if any("hnsw" in line for (line,) in plan) else "exact scan"}


def write_rates(conn, rng: np.random.Generator, centres: np.ndarray) -> dict:
    """Upserts into the 100 000-row table: new patterns, count updates, and a replay."""
    new = [PatternRow("write-org", f"new-{i}", "bench", v, "E: new", 1, T0, T0)
           for i, v in enumerate(clustered(rng, centres, 1000))]
    start = time.perf_counter()
    upsert_patterns(conn, new)
    inserted = time.perf_counter() - start
    later = T0 + timedelta(minutes=5)
    updates = [PatternRow(r.org_id, r.fingerprint, r.project_id, r.embedding, r.sample_message,
                          7, T0, later) for r in new]
    start = time.perf_counter()
    upsert_patterns(conn, updates)
    updated = time.perf_counter() - start
    start = time.perf_counter()
    upsert_patterns(conn, updates)
    replayed = time.perf_counter() - start
    return {"new_rows_per_s": round(len(new) / inserted),
            "count_updates_per_s": round(len(new) / updated),
            "replayed_no_op_per_s": round(len(new) / replayed)}


def main(work: Path, port: int) -> None:
    os.environ.update({"ARGUS_HOME": str(PROJECT_ROOT / ".argus" / "bench-embeddings"),
                       "ARGUS_POSTGRES_PORT": str(port)})
    settings = StackSettings()
    postgres = Postgres(settings)
    rng = np.random.default_rng(11)
    centres = unit_rows(rng.standard_normal((CENTRES, DIMENSION)))
    vectors = clustered(rng, centres, PATTERNS)
    queries = clustered(rng, centres, QUERIES)
    report = {"patterns": PATTERNS, "queries": QUERIES, "k": K, "cpus": os.cpu_count()}
    postgres.start(timeout=120)
    try:
        with connect(settings.postgres_dsn) as conn:
            for name, orgs in (("one org of 100 000", ["org-0"]),
                               ("100 orgs of 1 000", [f"org-{i}" for i in range(100)])):
                report[name] = load(conn, orgs, vectors)
                report[name].update(query_latency(conn, orgs, vectors, queries))
            report["writes (batches of 1 000)"] = write_rates(conn, rng, centres)
        report["load_average_1m"] = os.getloadavg()[0]
    finally:
        postgres.stop()
        shutil.rmtree(settings.home, ignore_errors=True)
    (work / "similar_latency.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("work", type=Path)
    parser.add_argument("--port", type=int, default=26391)
    args = parser.parse_args()
    main(args.work, args.port)
