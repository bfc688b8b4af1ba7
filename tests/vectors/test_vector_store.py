"""failure_patterns on the real PostgreSQL with pgvector: upserts, nearest patterns, the CLI."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg
import pytest
import typer
from typer.testing import CliRunner

from argus_flink.vectors.cli import similar_command
from argus_flink.vectors.store import (
    DIMENSION,
    EXACT_SEARCH_MAX_PATTERNS,
    PatternRow,
    SimilarQuery,
    connect,
    copy_patterns,
    similar,
    similar_for_each,
    upsert_patterns,
)
from udfs.embedding import Embedder
from udfs.failure_text import failure_text, parts_from_text, sample_message, signature

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


@pytest.fixture
def conn(stack):
    with connect(stack.postgres_dsn) as connection:
        yield connection


def new_org() -> str:
    return str(uuid.uuid4())


def unit(vector) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def direction(seed: int) -> np.ndarray:
    return unit(np.random.default_rng(seed).standard_normal(DIMENSION))


def near(base: np.ndarray, seed: int, noise: float) -> np.ndarray:
    return unit(base + noise * np.random.default_rng(seed).standard_normal(DIMENSION))


def row(org: str, fingerprint: str, embedding, occurrences=1, first=T0, last=T0,
        sample="E: boom", project="p1") -> PatternRow:
    return PatternRow(org, fingerprint, project, embedding, sample, occurrences, first, last)


def stored(conn, org: str, fingerprint: str) -> dict:
    cur = conn.execute(
        "SELECT project_id, embedding, sample_message, occurrences, first_seen, last_seen,"
        " updated_at FROM failure_patterns WHERE org_id = %s AND fingerprint = %s",
        (org, fingerprint))
    names = [column.name for column in cur.description]
    return dict(zip(names, cur.fetchone()))


# --- upserts ---------------------------------------------------------------------------------


def test_replayed_upsert_changes_nothing(conn):
    org = new_org()
    state = row(org, "fp-a", direction(1), occurrences=3, last=T0 + timedelta(minutes=5))
    upsert_patterns(conn, [state])
    before = stored(conn, org, "fp-a")
    upsert_patterns(conn, [state, state])
    after = stored(conn, org, "fp-a")
    assert after == before  # updated_at included: the replay wrote no new row version
    assert after["occurrences"] == 3


def test_upsert_takes_absolute_counts_and_widens_seen_times(conn):
    org = new_org()
    first_embedding = direction(2)
    upsert_patterns(conn, [row(org, "fp-b", first_embedding, occurrences=1,
                               first=T0, last=T0, sample="E: first")])
    later = row(org, "fp-b", direction(3), occurrences=7, first=T0 - timedelta(hours=1),
                last=T0 + timedelta(hours=2), sample="E: later", project="p2")
    upsert_patterns(conn, [later])
    current = stored(conn, org, "fp-b")
    assert current["occurrences"] == 7
    assert current["first_seen"] == T0 - timedelta(hours=1)
    assert current["last_seen"] == T0 + timedelta(hours=2)
    # The first write's embedding, sample and project stay.
    np.testing.assert_allclose(current["embedding"].to_numpy(), first_embedding, atol=1e-6)
    assert (current["sample_message"], current["project_id"]) == ("E: first", "p1")

    # An older state replayed after a newer one: the count is the state's, the times widen.
    upsert_patterns(conn, [row(org, "fp-b", None, occurrences=4, first=T0, last=T0)])
    current = stored(conn, org, "fp-b")
    assert current["occurrences"] == 4
    assert current["last_seen"] == T0 + timedelta(hours=2)


def test_missing_embedding_is_filled_by_a_later_write(conn):
    org = new_org()
    upsert_patterns(conn, [row(org, "fp-c", None)])
    assert stored(conn, org, "fp-c")["embedding"] is None
    upsert_patterns(conn, [row(org, "fp-c", direction(4), occurrences=2)])
    assert stored(conn, org, "fp-c")["embedding"] is not None


def test_last_row_of_a_key_in_a_batch_wins(conn):
    org = new_org()
    upsert_patterns(conn, [row(org, "fp-d", direction(5), occurrences=n) for n in (1, 2, 3)])
    assert stored(conn, org, "fp-d")["occurrences"] == 3


def test_text_postgres_cannot_hold_is_cleaned(conn):
    org = new_org()
    upsert_patterns(conn, [row(org, "fp-e", None, sample="E: a\x00b\ud800")])
    assert stored(conn, org, "fp-e")["sample_message"] == "E: ab?"


def test_wrong_dimension_is_refused_before_writing(conn):
    with pytest.raises(ValueError, match="384"):
        upsert_patterns(conn, [row(new_org(), "fp-f", np.ones(10, dtype=np.float32))])


# --- nearest patterns ------------------------------------------------------------------------


def test_nearest_patterns_come_from_the_org_only(conn):
    org, other = new_org(), new_org()
    base = direction(10)
    upsert_patterns(conn, [
        row(org, "close", near(base, 11, 0.02)),
        row(org, "closer", near(base, 12, 0.005)),
        row(org, "far", direction(13)),
        # The other org holds the query's exact vector and more near ones.
        row(other, "identical", base),
        *[row(other, f"other-{i}", near(base, 20 + i, 0.01)) for i in range(20)],
    ])
    found = similar(conn, org, base, k=5)
    assert [p.fingerprint for p in found] == ["closer", "close", "far"]
    assert found[0].similarity > found[1].similarity > 0.9 > found[2].similarity
    assert all(p.first_seen == T0 and p.occurrences == 1 for p in found)


def test_threshold_exclusion_and_k(conn):
    org = new_org()
    base = direction(30)
    upsert_patterns(conn, [row(org, "self", base), row(org, "twin", near(base, 31, 0.01)),
                           row(org, "cousin", near(base, 32, 0.05)),
                           row(org, "stranger", direction(33))])
    found = similar(conn, org, base, k=5, min_similarity=0.5, exclude_fingerprint="self")
    assert [p.fingerprint for p in found] == ["twin", "cousin"]
    assert [p.fingerprint for p in similar(conn, org, base, k=1)] == ["self"]
    assert similar(conn, new_org(), base) == []


@pytest.mark.parametrize("exact_below", [EXACT_SEARCH_MAX_PATTERNS, 0],
                         ids=["exact-scan", "hnsw-index"])
def test_batch_lookup_among_many_orgs_never_crosses_orgs(conn, exact_below):
    orgs = [new_org() for _ in range(20)]
    rng = np.random.default_rng(40)
    vectors = {org: [unit(v) for v in rng.standard_normal((100, DIMENSION))] for org in orgs}
    copy_patterns(conn, (row(org, f"{org[:8]}-{i}", vector)
                         for org in orgs for i, vector in enumerate(vectors[org])))
    conn.execute("ANALYZE failure_patterns")
    queries = [SimilarQuery(org, unit(rng.standard_normal(DIMENSION))) for org in orgs]
    results = similar_for_each(conn, queries, k=5, exact_below=exact_below)
    hits = 0
    for query, found in zip(queries, results):
        assert len(found) == 5
        assert all(p.fingerprint.startswith(query.org_id[:8]) for p in found)
        exact = np.argsort(-np.stack(vectors[query.org_id]) @ query.embedding)[:5]
        expected = [f"{query.org_id[:8]}-{i}" for i in exact]
        if exact_below:
            assert [p.fingerprint for p in found] == expected
        hits += len(set(expected) & {p.fingerprint for p in found})
    assert hits / (5 * len(queries)) >= 0.8


def test_count_updates_are_hot_and_touch_no_index(conn):
    org = new_org()
    states = [row(org, f"hot-{i}", direction(100 + i)) for i in range(50)]
    upsert_patterns(conn, states)
    with conn.transaction():
        upsert_patterns(conn, [row(org, s.fingerprint, s.embedding, occurrences=2,
                                   last=T0 + timedelta(minutes=1)) for s in states])
        updated, hot = conn.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass),"
            " pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            ("failure_patterns", "failure_patterns")).fetchone()
    assert (updated, hot) == (50, 50)


# --- the `similar` command -------------------------------------------------------------------

FAILURES = {
    "null-id": "TypeError: Cannot read properties of undefined (reading 'id')\n"
               "    at CartService.addItem (/app/src/services/cart.ts:88:31)",
    "db-refused": "Error: connect ECONNREFUSED 127.0.0.1:5432\n"
                  "    at Client._connect (/app/node_modules/pg/lib/client.js:132:11)",
    "file-missing": "FileNotFoundError: [Errno 2] No such file or directory: '/tmp/x/report.csv'",
}


def test_similar_command_prints_the_nearest_pattern(conn, monkeypatch):
    org, other = new_org(), new_org()
    embedder = Embedder()
    rows = {}
    for owner in (org, other):
        for name, text in FAILURES.items():
            parts = parts_from_text(text)
            found = signature(owner, parts)
            rows[owner, name] = row(owner, found.fingerprint, embedder.embed_one(found.text),
                                    occurrences=4, sample=sample_message(parts))
    upsert_patterns(conn, rows.values())

    app = typer.Typer()
    app.command()(similar_command)
    monkeypatch.setenv("COLUMNS", "250")
    # The same failure on another host, port and line: it normalises to the stored text.
    query = ("Error: connect ECONNREFUSED 10.0.0.7:5433\n"
             "    at Client._connect (/srv/app/node_modules/pg/lib/client.js:140:9)")
    result = CliRunner().invoke(app, [query, "--org", org, "--k", "2"])
    assert result.exit_code == 0, result.output
    table_rows = [line for line in result.output.splitlines()
                  if re.match(r"│\s+-?[01]\.\d{3} │", line)]
    assert len(table_rows) == 2
    assert "1.000" in table_rows[0] and "ECONNREFUSED 127.0.0.1:5432" in table_rows[0]
    assert rows[org, "db-refused"].fingerprint in table_rows[0]
    assert not any(r.fingerprint in result.output for (owner, _), r in rows.items()
                   if owner == other)


def test_similar_command_requires_an_org():
    app = typer.Typer()
    app.command()(similar_command)
    result = CliRunner().invoke(app, ["KeyError: 'id'"])
    assert result.exit_code != 0 and "--org" in result.output


def test_vector_registration_is_needed_for_numpy_vectors(stack):
    with psycopg.connect(stack.postgres_dsn) as plain:
        with pytest.raises(psycopg.Error):
            plain.execute("SELECT %s::vector", (np.ones(3, dtype=np.float32),))
