"""Write failure patterns to ``failure_patterns`` and find an org's nearest ones.

Writes carry absolute values from the job's keyed state (occurrences, first and last seen), so
a replay writes the same rows again and changes nothing. Reads always filter on the org: one
tenant's failures are never matched against another's. Every statement is parameterised.

Vectors travel as numpy float32 arrays through pgvector's binary adapter (lists of floats are
about 30 times slower). Call ``connect`` (or ``register``) before the other functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

DIMENSION = 384
# HNSW candidate list per query: a few times k for good recall, within pgvector's 1 000 cap.
MIN_EF_SEARCH = 64
MAX_EF_SEARCH = 1000
# An org with at most this many patterns is searched exactly. The HNSW graph spans every
# org, so for a small org the filter rejects nearly every candidate it walks: measured with
# 100 orgs of 1 000 patterns, recall@5 fell to 0.76 and latency rose ninefold, while an exact
# scan of one org's rows (found by the primary key) reads only those rows.
EXACT_SEARCH_MAX_PATTERNS = 5000


@dataclass(frozen=True, slots=True)
class PatternRow:
    """One (org, fingerprint) as the job's state has it now."""

    org_id: str
    fingerprint: str
    project_id: str | None
    embedding: np.ndarray | None  # (384,) float32, None while not embedded
    sample_message: str | None
    occurrences: int
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class SimilarPattern:
    fingerprint: str
    similarity: float  # cosine similarity, 1 - cosine distance
    occurrences: int
    sample_message: str | None
    project_id: str | None
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class SimilarQuery:
    """One lookup of ``similar_for_each``: an org's new pattern and its vector."""

    org_id: str
    embedding: np.ndarray
    exclude_fingerprint: str | None = None


def connect(dsn: str, **kwargs) -> psycopg.Connection:
    """A connection with the pgvector types registered."""
    conn = psycopg.connect(dsn, **kwargs)
    register(conn)
    return conn


def register(conn: psycopg.Connection) -> None:
    """Register pgvector's adapters on ``conn``, once."""
    if conn.adapters.types.get("vector") is None:
        register_vector(conn)


# A conflicting row keeps what the first write gave it (project, embedding, sample message),
# takes the state's occurrence count as it is, and widens its first/last seen. The WHERE skips
# updates that would change nothing, so a replay writes no new row versions.
_UPSERT = """
INSERT INTO failure_patterns AS p
    (org_id, fingerprint, project_id, embedding, sample_message, occurrences,
     first_seen, last_seen)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (org_id, fingerprint) DO UPDATE SET
    project_id     = COALESCE(p.project_id, EXCLUDED.project_id),
    embedding      = COALESCE(p.embedding, EXCLUDED.embedding),
    sample_message = COALESCE(p.sample_message, EXCLUDED.sample_message),
    occurrences    = EXCLUDED.occurrences,
    first_seen     = LEAST(p.first_seen, EXCLUDED.first_seen),
    last_seen      = GREATEST(p.last_seen, EXCLUDED.last_seen),
    updated_at     = now()
WHERE p.occurrences <> EXCLUDED.occurrences
   OR EXCLUDED.first_seen < p.first_seen
   OR EXCLUDED.last_seen > p.last_seen
   OR (p.embedding IS NULL AND EXCLUDED.embedding IS NOT NULL)
   OR (p.project_id IS NULL AND EXCLUDED.project_id IS NOT NULL)
   OR (p.sample_message IS NULL AND EXCLUDED.sample_message IS NOT NULL)
"""

_COPY = """
COPY failure_patterns (org_id, fingerprint, project_id, embedding, sample_message,
                       occurrences, first_seen, last_seen)
FROM STDIN (FORMAT BINARY)
"""
_COPY_TYPES = ["text", "text", "text", "vector", "text", "int8", "timestamptz", "timestamptz"]


def _vector(embedding: np.ndarray | None) -> np.ndarray | None:
    if embedding is None:
        return None
    vector = np.asarray(embedding, dtype=np.float32)
    if vector.shape != (DIMENSION,):
        raise ValueError(f"an embedding has {DIMENSION} dimensions, not shape {vector.shape}")
    return vector


def _storable(text: str | None) -> str | None:
    """PostgreSQL text holds neither NUL nor lone surrogates (possible in decoded JSON)."""
    if text is None:
        return None
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _params(row: PatternRow) -> tuple:
    return (row.org_id, row.fingerprint, row.project_id, _vector(row.embedding),
            _storable(row.sample_message), int(row.occurrences),
            _utc(row.first_seen), _utc(row.last_seen))


def upsert_patterns(conn: psycopg.Connection, rows: Iterable[PatternRow]) -> int:
    """Upsert a batch in one transaction (pipelined); returns the number of rows sent.

    Commits, unless called inside a transaction the caller opened. Rows are written in key
    order, so concurrent writers lock in the same order and cannot deadlock; rows of the same
    key keep their order, the last one being the newest state.
    """
    params = [_params(row) for row in sorted(rows, key=lambda r: (r.org_id, r.fingerprint))]
    if params:
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(_UPSERT, params)
    return len(params)


def copy_patterns(conn: psycopg.Connection, rows: Iterable[PatternRow]) -> int:
    """Bulk-load new patterns with binary COPY (no upsert: any existing key is an error).

    For initial loads and backfills. With many rows, drop the HNSW index first and build it
    afterwards: inserting into the index costs far more than the COPY itself.
    """
    count = 0
    with conn.transaction(), conn.cursor() as cur, cur.copy(_COPY) as copy:
        copy.set_types(_COPY_TYPES)
        for row in rows:
            copy.write_row(_params(row))
            count += 1
    return count


_SIMILAR = """
WITH nearest AS MATERIALIZED (
    SELECT fingerprint, occurrences, sample_message, project_id, first_seen, last_seen,
           embedding <=> %(query)s AS distance
    FROM failure_patterns
    WHERE org_id = %(org_id)s
      AND embedding IS NOT NULL
      AND fingerprint IS DISTINCT FROM %(exclude)s
    ORDER BY distance
    LIMIT %(k)s
)
SELECT fingerprint, 1 - distance, occurrences, sample_message, project_id,
       first_seen, last_seen
FROM nearest
WHERE 1 - distance >= %(min_similarity)s
ORDER BY distance, fingerprint
"""

# Stops counting just past the exact-search limit, so the check stays cheap for a big org.
_ORG_SIZE = """
SELECT count(*) FROM (SELECT 1 FROM failure_patterns WHERE org_id = %s LIMIT %s) AS capped
"""


def _tune_search(conn: psycopg.Connection, k: int) -> None:
    ef_search = min(MAX_EF_SEARCH, max(MIN_EF_SEARCH, 4 * k))
    # Local to the transaction. Iterative scans keep walking the graph while the org filter
    # rejects candidates (the CTE above restores the exact order relaxed_order may loosen).
    conn.execute("SELECT set_config('hnsw.ef_search', %s, true),"
                 " set_config('hnsw.iterative_scan', 'relaxed_order', true)",
                 (str(ef_search),))


def _use_index(conn: psycopg.Connection, org_id: str, exact_below: int) -> None:
    """Exact search for a small org: index scans off (HNSW supports nothing else), so the
    planner reads the org's rows through a bitmap scan of the primary key and sorts them."""
    (size,) = conn.execute(_ORG_SIZE, (org_id, exact_below + 1)).fetchone()
    conn.execute("SELECT set_config('enable_indexscan', %s, true)",
                 ("off" if size <= exact_below else "on",))


def _fetch(conn: psycopg.Connection, query: SimilarQuery, k: int,
           min_similarity: float) -> list[SimilarPattern]:
    rows = conn.execute(_SIMILAR, {
        "query": _vector(query.embedding), "org_id": query.org_id,
        "exclude": query.exclude_fingerprint, "k": k, "min_similarity": min_similarity,
    }).fetchall()
    return [SimilarPattern(fingerprint, float(similarity), occurrences, sample, project,
                           first_seen, last_seen)
            for fingerprint, similarity, occurrences, sample, project, first_seen, last_seen
            in rows]


def similar(conn: psycopg.Connection, org_id: str, embedding: np.ndarray, k: int = 5,
            min_similarity: float = 0.0, exclude_fingerprint: str | None = None,
            exact_below: int = EXACT_SEARCH_MAX_PATTERNS) -> list[SimilarPattern]:
    """The org's ``k`` patterns nearest to ``embedding`` with similarity ≥ ``min_similarity``,
    most similar first; ``exclude_fingerprint`` leaves out the pattern being matched."""
    return similar_for_each(conn, [SimilarQuery(org_id, embedding, exclude_fingerprint)],
                            k, min_similarity, exact_below)[0]


def similar_for_each(conn: psycopg.Connection, queries: Sequence[SimilarQuery], k: int = 5,
                     min_similarity: float = 0.0,
                     exact_below: int = EXACT_SEARCH_MAX_PATTERNS) -> list[list[SimilarPattern]]:
    """``similar`` for a batch of new patterns, in one transaction; results in query order.
    Orgs with at most ``exact_below`` patterns are searched exactly, larger ones through the
    HNSW index."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if not queries:
        return []
    with conn.transaction():
        _tune_search(conn, k)
        results = []
        for query in queries:
            _use_index(conn, query.org_id, exact_below)
            results.append(_fetch(conn, query, k, min_similarity))
        return results
