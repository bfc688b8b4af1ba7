"""Pure steps of the job: fold an occurrence into a pattern's state, collapse a batch, and
turn a new pattern's nearest neighbours into a ``similar_failure`` Insight."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import numpy as np

from argus_flink.contracts import (
    Insight,
    InsightType,
    SimilarFailurePayload,
    SimilarFingerprint,
    stable_insight_id,
)
from argus_flink.failures.records import FailureEvent, PatternState, PatternUpdate
from argus_flink.vectors.store import PatternRow, SimilarPattern


def observe(state: PatternState | None, event: FailureEvent) -> PatternState:
    """The state after one more (distinct) occurrence; ``None`` is a fingerprint never seen."""
    if state is None:
        return PatternState(event.project_id, event.sample_message, 1, event.at, event.at)
    earlier = event.at < state.first_seen
    return PatternState(
        project_id=event.project_id if earlier else state.project_id,
        sample_message=event.sample_message if earlier else state.sample_message,
        occurrences=state.occurrences + 1,
        first_seen=min(state.first_seen, event.at),
        last_seen=max(state.last_seen, event.at),
    )


def pattern_update(event: FailureEvent, state: PatternState, *, topic: str,
                   partition: int | None, offset: int | None, original: str) -> PatternUpdate:
    return PatternUpdate(event.org_id, event.fingerprint, event.text, state.project_id,
                         state.sample_message, state.occurrences, state.first_seen,
                         state.last_seen, topic, partition, offset, original)


def latest_per_pattern(updates: Iterable[PatternUpdate]) -> list[PatternUpdate]:
    """One update per (org, fingerprint): the newest state (counts only grow), in first-seen
    order of the batch."""
    latest: dict[tuple[str, str], PatternUpdate] = {}
    for update in updates:
        key = (update.org_id, update.fingerprint)
        current = latest.get(key)
        if current is None or update.occurrences >= current.occurrences:
            latest[key] = update
    return list(latest.values())


def millis_to_datetime(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


def pattern_row(update: PatternUpdate, embedding: np.ndarray | None) -> PatternRow:
    return PatternRow(update.org_id, update.fingerprint, update.project_id, embedding,
                      update.sample_message, update.occurrences,
                      millis_to_datetime(update.first_seen), millis_to_datetime(update.last_seen))


def similar_insight(update: PatternUpdate, matches: Sequence[SimilarPattern]) -> Insight | None:
    """The Insight of a new pattern with its org's similar ones; None when nothing matched.

    The id depends on the org and fingerprint only, so a replay re-emits the same insight id
    and consumers dedupe on it; ``generated_at`` is the latest occurrence's event time, not the
    wall clock, for the same reason.
    """
    if not matches:
        return None
    return Insight(
        insight_id=stable_insight_id(InsightType.SIMILAR_FAILURE, update.org_id,
                                     update.fingerprint),
        insight_type=InsightType.SIMILAR_FAILURE,
        org_id=update.org_id,
        project_id=update.project_id or "",
        generated_at=millis_to_datetime(update.last_seen),
        payload=SimilarFailurePayload(
            fingerprint=update.fingerprint,
            similar_fingerprints=[
                SimilarFingerprint(fingerprint=match.fingerprint,
                                   similarity=round(min(1.0, max(-1.0, match.similarity)), 6))
                for match in matches],
            sample_message=update.sample_message,
            occurrences=update.occurrences,
        ),
    )
