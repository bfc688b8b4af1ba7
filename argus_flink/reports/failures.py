"""Clusters of similar failures per org, from ``failure_patterns``, as a rich table.

A cluster is a connected group of an org's patterns whose embeddings have cosine similarity of
at least ``min_similarity`` (the job's default threshold), linked pairwise: the same relation
the job's similar_failure insights report. Patterns are never compared across orgs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from rich.table import Table

from argus_flink.endpoints import load_endpoints
from argus_flink.settings import StackSettings
from argus_flink.vectors.store import connect

DEFAULT_MIN_SIMILARITY = 0.8

# The most frequent patterns of each org: clustering is pairwise, so each org is capped.
_PATTERNS = """
SELECT org_id, fingerprint, project_id, sample_message, occurrences, last_seen, embedding
FROM (
    SELECT *, row_number() OVER (PARTITION BY org_id
                                 ORDER BY occurrences DESC, fingerprint) AS rank
    FROM failure_patterns
    WHERE embedding IS NOT NULL AND (%(org_id)s::text IS NULL OR org_id = %(org_id)s)
) ranked
WHERE rank <= %(per_org)s
ORDER BY org_id, occurrences DESC, fingerprint
"""


@dataclass(frozen=True)
class Pattern:
    org_id: str
    fingerprint: str
    project_id: str | None
    sample_message: str | None
    occurrences: int
    last_seen: datetime


@dataclass(frozen=True)
class Cluster:
    org_id: str
    patterns: tuple[Pattern, ...]  # most frequent first
    min_similarity: float  # the weakest link that joined the cluster

    @property
    def occurrences(self) -> int:
        return sum(p.occurrences for p in self.patterns)

    @property
    def projects(self) -> tuple[str, ...]:
        return tuple(sorted({p.project_id for p in self.patterns if p.project_id}))


def clusters_of(patterns: list[Pattern], vectors: np.ndarray, min_similarity: float
                ) -> list[Cluster]:
    """Connected components of one org's patterns under ``similarity >= min_similarity``;
    only groups of two or more, the most frequent first."""
    parent = list(range(len(patterns)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    similarity = vectors @ vectors.T if len(patterns) else np.zeros((0, 0))
    weakest: dict[int, float] = {}
    for i, j in zip(*np.nonzero(np.triu(similarity >= min_similarity, k=1)), strict=True):
        a, b = root(int(i)), root(int(j))
        link = float(similarity[i, j])
        if a != b:
            parent[b] = a
            weakest[a] = min(weakest.get(a, 1.0), weakest.pop(b, 1.0), link)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(patterns)):
        groups[root(i)].append(i)
    clusters = [Cluster(patterns[members[0]].org_id,
                        tuple(sorted((patterns[i] for i in members),
                                     key=lambda p: (-p.occurrences, p.fingerprint))),
                        weakest.get(key, 1.0))
                for key, members in groups.items() if len(members) > 1]
    return sorted(clusters, key=lambda c: (-c.occurrences, c.patterns[0].fingerprint))


def similar_failure_clusters(dsn: str, *, org_id: str | None = None,
                             min_similarity: float = DEFAULT_MIN_SIMILARITY,
                             per_org: int = 500) -> list[Cluster]:
    by_org: dict[str, list[tuple[Pattern, np.ndarray]]] = defaultdict(list)
    with connect(dsn, connect_timeout=10) as conn:
        for *fields, embedding in conn.execute(
                _PATTERNS, {"org_id": org_id, "per_org": per_org}).fetchall():
            pattern = Pattern(*fields)
            by_org[pattern.org_id].append((pattern, np.asarray(embedding, dtype=np.float32)))
    clusters = []
    for org in sorted(by_org):
        patterns = [p for p, _ in by_org[org]]
        vectors = np.stack([v for _, v in by_org[org]])
        clusters += clusters_of(patterns, vectors, min_similarity)
    return clusters


def clusters_table(clusters: list[Cluster], *, title: str, samples: int = 3) -> Table:
    table = Table(title=title)
    table.add_column("org", overflow="fold")
    table.add_column("patterns", justify="right")
    table.add_column("occurrences", justify="right")
    table.add_column("weakest link", justify="right")
    table.add_column("projects", overflow="fold")
    table.add_column("sample messages (most frequent first)", overflow="fold")
    for cluster in clusters:
        shown = [f"{p.occurrences}× {p.sample_message or '(no message)'}"
                 for p in cluster.patterns[:samples]]
        if len(cluster.patterns) > samples:
            shown.append(f"… and {len(cluster.patterns) - samples} more")
        table.add_row(cluster.org_id, str(len(cluster.patterns)), str(cluster.occurrences),
                      f"{cluster.min_similarity:.3f}", ", ".join(cluster.projects) or "–",
                      "\n".join(shown))
    return table


def similar_failures_table(settings: StackSettings, *, org_id: str | None = None,
                           min_similarity: float = DEFAULT_MIN_SIMILARITY,
                           limit: int = 20) -> Table:
    """The demo's section: the largest clusters of similar failures, per org."""
    dsn = load_endpoints(settings).postgres_dsn.get_secret_value()
    clusters = similar_failure_clusters(dsn, org_id=org_id, min_similarity=min_similarity)
    title = f"clusters of similar failures (cosine ≥ {min_similarity:g}), per org"
    if not clusters:
        title += " (none yet)"
    return clusters_table(clusters[:limit], title=title)
