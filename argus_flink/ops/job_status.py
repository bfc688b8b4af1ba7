"""Last checkpoint and last savepoint of a job, for ``argus-flink status``."""

from __future__ import annotations

from typing import Any

from argus_flink.ops.errors import OpsError
from argus_flink.ops.rest import CompletedCheckpoint, FlinkRest


def describe(checkpoint: CompletedCheckpoint | None) -> dict[str, Any] | None:
    if checkpoint is None:
        return None
    return {
        "id": checkpoint.id,
        "path": checkpoint.path,
        "completed_at": checkpoint.completed_at.isoformat() if checkpoint.completed_at else None,
        "state_size_bytes": checkpoint.state_size,
        "duration_ms": checkpoint.duration_ms,
    }


def checkpoint_fields(rest_url: str, job_id: str) -> dict[str, Any]:
    """``last_checkpoint`` and ``last_savepoint`` of a job (None when it has none yet, or
    when the cluster cannot say)."""
    try:
        with FlinkRest(rest_url, timeout=3) as rest:
            summary = rest.checkpoints(job_id)
    except OpsError:
        return {"last_checkpoint": None, "last_savepoint": None}
    return {"last_checkpoint": describe(summary.completed),
            "last_savepoint": describe(summary.savepoint)}
