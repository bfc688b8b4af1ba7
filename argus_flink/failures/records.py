"""Typed records of the failure-embeddings job; ``argus_flink.graph.rows`` maps them to Rows.

Times are epoch milliseconds (event time), as everywhere in the DataStream jobs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FailureEvent:
    """One failure as an input event states it, fingerprinted within its org."""

    event_id: str
    org_id: str
    project_id: str | None
    fingerprint: str
    text: str  # the normalised failure text: what is embedded
    sample_message: str
    at: int


@dataclass(frozen=True, slots=True)
class PatternState:
    """Keyed state of one (org, fingerprint): what ``failure_patterns`` holds, minus the vector.

    Project and sample message are those of the earliest occurrence (by event time), so they
    do not depend on the order in which the topics happen to be read.
    """

    project_id: str | None
    sample_message: str
    occurrences: int
    first_seen: int
    last_seen: int


@dataclass(frozen=True, slots=True)
class PatternUpdate:
    """A pattern's absolute values after one occurrence, with the record that caused it
    (a write that finally fails dead-letters that record)."""

    org_id: str
    fingerprint: str
    text: str
    project_id: str | None
    sample_message: str
    occurrences: int
    first_seen: int
    last_seen: int
    topic: str
    partition: int | None
    offset: int | None
    original: str
