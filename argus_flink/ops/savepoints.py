"""Take a savepoint of a running job, or stop it with one, through the REST API.

Savepoints are CANONICAL: that format survives state-compatible code changes and a change of
state backend, which is what a replay after a bug fix needs. Each job's savepoints go into a
folder of its own under the cluster's savepoint directory, as they do on R2
(``s3://bucket/<job>/savepoints``), so listing and pruning work per job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from argus_flink.ops.errors import SavepointFailedError, main_cause
from argus_flink.ops.rest import FlinkRest
from argus_flink.ops.running import running_job, running_job_with_tasks_up

SAVEPOINT_FORMAT = "CANONICAL"
SAVEPOINT_DIR_KEY = "execution.checkpointing.savepoint-dir"


@dataclass(frozen=True)
class SavepointResult:
    job: str
    job_id: str
    location: str
    seconds: float  # from the trigger until Flink reported the savepoint complete
    stopped: bool


def savepoint_target(rest: FlinkRest, job: str) -> str | None:
    """``<cluster savepoint dir>/<job>``, unless the configured dir is per job already."""
    base = rest.cluster_config().get(SAVEPOINT_DIR_KEY)
    if not base:
        return None  # Flink then refuses with its own message: no target directory
    base = base.rstrip("/")
    return base if job in base.split("/") else f"{base}/{job}"


def take_savepoint(rest: FlinkRest, job: str, *, target: str | None = None,
                   timeout: float = 600.0) -> SavepointResult:
    """A savepoint of the running job ``job``; the job keeps running."""
    deadline = time.monotonic() + timeout
    overview = running_job_with_tasks_up(rest, job, timeout=timeout)
    started = time.monotonic()
    trigger = rest.trigger_savepoint(overview.id, target or savepoint_target(rest, job),
                                     format_type=SAVEPOINT_FORMAT)
    location = wait_for_savepoint(rest, overview.id, trigger, what="savepoint",
                                  timeout=max(deadline - started, 1.0))
    return SavepointResult(job, overview.id, location, time.monotonic() - started, stopped=False)


def stop_with_savepoint(rest: FlinkRest, job: str, *, target: str | None = None,
                        drain: bool = False, timeout: float = 600.0) -> SavepointResult:
    """Stop ``job`` with a final savepoint. Without ``drain`` open windows stay in the
    savepoint, to fire after the replay; ``drain`` fires them now (for a final shutdown)."""
    deadline = time.monotonic() + timeout
    overview = running_job_with_tasks_up(rest, job, timeout=timeout)
    started = time.monotonic()
    trigger = rest.stop_with_savepoint(overview.id, target or savepoint_target(rest, job),
                                       drain=drain, format_type=SAVEPOINT_FORMAT)
    location = wait_for_savepoint(rest, overview.id, trigger, what="stop with savepoint",
                                  timeout=max(deadline - started, 1.0))
    return SavepointResult(job, overview.id, location, time.monotonic() - started, stopped=True)


def cancel_job(rest: FlinkRest, job: str) -> str:
    """Cancel without a savepoint; the retained checkpoints stay. Returns the job id."""
    overview = running_job(rest, job)
    rest.cancel(overview.id)
    return overview.id


def wait_for_savepoint(rest: FlinkRest, job_id: str, trigger_id: str, *, timeout: float,
                       what: str, poll: float = 0.5,
                       sleep: Callable[[float], None] = time.sleep) -> str:
    deadline = time.monotonic() + timeout
    while True:
        status = rest.savepoint_status(job_id, trigger_id)
        if status.done and status.location:
            return status.location
        if status.done:
            raise SavepointFailedError(f"{what} of job {job_id} failed: "
                                       f"{main_cause(status.failure or '')}")
        if time.monotonic() >= deadline:
            raise SavepointFailedError(
                f"{what} of job {job_id} still running after {timeout:.0f}s; it may yet "
                f"complete: see {rest.base_url}/#/job/running/{job_id}/checkpoints")
        sleep(poll)

