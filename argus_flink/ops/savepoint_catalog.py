"""What a savepoint catalog holds, and which savepoints a prune may remove.

A catalog is a place savepoints live: the local cluster's savepoint directory or an
``s3://bucket/prefix`` on R2. Both list :class:`SavepointEntry` values and delete them; the
decisions (newest first, the latest per job, what to prune) are pure functions here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlparse

from argus_flink.catalog import JOBS

SAVEPOINT_PREFIX = "savepoint-"
_S3_SCHEMES = {"s3", "s3a", "s3p"}  # Flink's S3 plugins each register their own schemes


@dataclass(frozen=True)
class SavepointEntry:
    location: str  # a URI: file:///… or s3://bucket/…, without a trailing slash
    job: str | None  # the suite's job name, when the path or the cluster tells it
    created_at: datetime  # when _metadata was written, i.e. when the savepoint completed
    size_bytes: int
    checkpoint_id: int | None = None


class SavepointCatalog(Protocol):
    description: str

    def list(self, job: str | None = None) -> list[SavepointEntry]: ...

    def delete(self, entry: SavepointEntry) -> None: ...


def newest_first(entries: Iterable[SavepointEntry]) -> list[SavepointEntry]:
    return sorted(entries, key=lambda e: (e.created_at, e.location), reverse=True)


def latest(entries: Iterable[SavepointEntry], job: str) -> SavepointEntry | None:
    ordered = newest_first(e for e in entries if e.job == job)
    return ordered[0] if ordered else None


def job_from_parts(parts: Sequence[str]) -> str | None:
    """The job a savepoint belongs to, from the folders above it.

    Production keeps ``s3://bucket/<job>/savepoints/``; the local commands write into
    ``<savepoint dir>/<job>/``. A catalog job name anywhere wins; otherwise the nearest folder
    that is not just called ``savepoints``.
    """
    for part in reversed(parts):
        if part in JOBS:
            return part
    for part in reversed(parts):
        if part and part != "savepoints":
            return part
    return None


def canonical_location(path: str) -> str:
    """One spelling per savepoint, so paths from Flink (``file:/x``, ``s3p://b/k/``) compare
    equal to the catalog's (``file:///x``, ``s3://b/k``)."""
    parsed = urlparse(path)
    if parsed.scheme in _S3_SCHEMES:
        return f"s3://{parsed.netloc}/{parsed.path.strip('/')}"
    if parsed.scheme in ("", "file"):
        return "file://" + ("/" + parsed.path.strip("/") if parsed.path else "")
    return path.rstrip("/")


@dataclass(frozen=True)
class PrunePlan:
    keep: list[SavepointEntry]
    delete: list[SavepointEntry]
    protected: list[SavepointEntry]  # older than the newest N, but a running job restored from it


def plan_prune(entries: Iterable[SavepointEntry], keep: int,
               restored_from: Iterable[str] = ()) -> PrunePlan:
    """Keep the newest ``keep`` savepoints of each job, and every one a running job was
    restored from: Flink may still read it until its first own checkpoint completes, and it
    is the only way back to that job's starting point."""
    if keep < 1:
        raise ValueError("--keep must be at least 1: the newest savepoint is never pruned")
    in_use = {canonical_location(p) for p in restored_from}
    by_job: dict[str | None, list[SavepointEntry]] = defaultdict(list)
    for entry in entries:
        by_job[entry.job].append(entry)
    kept, deleted, protected = [], [], []
    for job_entries in by_job.values():
        ordered = newest_first(job_entries)
        kept += ordered[:keep]
        for entry in ordered[keep:]:
            (protected if canonical_location(entry.location) in in_use else deleted).append(entry)
    return PrunePlan(newest_first(kept), newest_first(deleted), newest_first(protected))
