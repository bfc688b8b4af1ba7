"""Write one batch of pattern updates to PostgreSQL and look up the new patterns' neighbours.

A batch is: embed the new fingerprints' texts in one ``embed`` call, upsert every pattern of the
batch (absolute values, so any retry or replay writes the same rows), then find each new
pattern's org-scoped nearest neighbours. Upserting first means two similar failures that
arrive in one batch find each other.

Connection errors (server down, restarting, connection lost) are retried with exponential
backoff for at most ``retry_budget_s``; any other database error, or a spent budget, raises
``PatternWriteError`` and the caller dead-letters the batch. Nothing is dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import psycopg
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from argus_flink.failures.patterns import pattern_row
from argus_flink.failures.records import PatternUpdate
from argus_flink.vectors.store import SimilarPattern, SimilarQuery, connect, similar_for_each, \
    upsert_patterns

log = logging.getLogger(__name__)

RETRYABLE = (psycopg.OperationalError, psycopg.InterfaceError)


class PatternWriteError(RuntimeError):
    pass


@dataclass(frozen=True)
class SimilarPolicy:
    k: int = 5
    min_similarity: float = 0.8


class PatternWriter:
    """Embeds, upserts and queries through one (re)opened connection."""

    def __init__(self, dsn: str, embed: Callable[[Sequence[str]], np.ndarray],
                 policy: SimilarPolicy, *, retry_budget_s: float = 15.0,
                 connect_timeout_s: int = 10) -> None:
        self._dsn = dsn
        self._embed = embed
        self._policy = policy
        self._retry_budget_s = retry_budget_s
        self._connect_timeout_s = connect_timeout_s
        self._conn: psycopg.Connection | None = None
        self.embedded = 0

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def write(self, updates: Sequence[PatternUpdate], new: Sequence[PatternUpdate]
              ) -> dict[str, list[SimilarPattern]]:
        """Write ``updates`` (one per pattern); returns each new fingerprint's matches."""
        vectors = self._embed([update.text for update in new]) if new else None
        self.embedded += len(new)
        embeddings = {update.fingerprint: vectors[i] for i, update in enumerate(new)}
        rows = [pattern_row(update, embeddings.get(update.fingerprint)) for update in updates]
        queries = [SimilarQuery(update.org_id, embeddings[update.fingerprint], update.fingerprint)
                   for update in new]
        try:
            for attempt in Retrying(
                    retry=retry_if_exception_type(RETRYABLE),
                    stop=stop_after_delay(self._retry_budget_s),
                    wait=wait_exponential(multiplier=0.2, max=5), reraise=True):
                with attempt:
                    matches = self._write_once(rows, queries)
        except psycopg.Error as exc:
            self.close()
            raise PatternWriteError(f"failure_patterns write failed: {type(exc).__name__}: "
                                    f"{exc}".strip()) from exc
        return {update.fingerprint: found for update, found in zip(new, matches, strict=True)}

    def _write_once(self, rows, queries) -> list[list[SimilarPattern]]:
        try:
            conn = self._connection()
            upsert_patterns(conn, rows)
            if not queries:
                return []
            return similar_for_each(conn, queries, self._policy.k, self._policy.min_similarity)
        except RETRYABLE as exc:
            log.warning("failure_patterns write failed, retrying: %s", exc)
            self.close()
            raise

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self._dsn, autocommit=True,
                                 connect_timeout=self._connect_timeout_s)
        return self._conn
