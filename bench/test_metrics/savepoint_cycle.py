"""The operations figures at the benchmark's state size: the job reads the prefilled topic
unbounded and takes a savepoint halfway, while it works through the backlog; once it has read
everything it stops with a savepoint and is replayed from it.

Each step runs through the same functions as `argus-flink savepoint`, `stop --savepoint` and
`replay`, so the figures are what a user of those commands waits for.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from argus_flink.ops.catalog_local import path_of
from argus_flink.ops.replay import replay
from argus_flink.ops.rest import FlinkRest
from argus_flink.ops.savepoints import stop_with_savepoint, take_savepoint
from argus_flink.settings import StackSettings
from argus_flink.submit import flink_run
from jobs.test_metrics import JOB as JOB_NAME

MODULE = "jobs.test_metrics"


@dataclass(frozen=True)
class SavepointCycle:
    state_bytes: int  # full state size of the last checkpoint before the stop
    savepoint_seconds: float  # trigger -> complete, halfway through the backlog (busy job)
    savepoint_bytes_busy: int  # that savepoint's files on disk
    stop_seconds: float  # stop-with-savepoint: trigger -> complete
    savepoint_bytes: int  # the stop savepoint's files on disk
    submit_seconds: float  # replay: Flink's client runs the driver and submits
    restore_seconds: float  # replay: job start -> every task running, state restored


def _source_records(rest: FlinkRest, job_id: str) -> int:
    vertices = rest.job(job_id).get("vertices", [])
    return sum(v["metrics"].get("write-records", 0) for v in vertices
               if v["name"].startswith("Source"))


def _wait_for_records(rest: FlinkRest, job_id: str, records: int, deadline: float) -> None:
    while _source_records(rest, job_id) < records:
        if time.monotonic() > deadline:
            raise RuntimeError(f"job {job_id} read fewer than {records:,} records")
        time.sleep(1)


def _wait_for_checkpoint_after(rest: FlinkRest, job_id: str, after: int, timeout: float) -> int:
    """The full state size of the first checkpoint completed with an id above ``after``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        completed = rest.checkpoints(job_id).completed
        if completed is not None and completed.id > after:
            return completed.state_size
        time.sleep(1)
    raise RuntimeError(f"no checkpoint of job {job_id} completed within {timeout:.0f} s")


def _directory_bytes(location: str) -> int:
    return sum(f.stat().st_size for f in path_of(location).rglob("*") if f.is_file())


def measure(settings: StackSettings, job_args: list[str], records: int,
            timeout: float = 3600) -> SavepointCycle:
    """``job_args`` without bounded offsets: the job must still run to be savepointed."""
    with FlinkRest(settings.flink_rest_url) as rest:
        job_id = flink_run(settings, MODULE, job_args, timeout=900)
        try:
            deadline = time.monotonic() + timeout
            _wait_for_records(rest, job_id, records // 2, deadline)
            savepoint = take_savepoint(rest, JOB_NAME)
            _wait_for_records(rest, job_id, records, deadline)
            # A checkpoint begun after the last record: the stop savepoint holds all state.
            begun = rest.checkpoints(job_id).completed
            state = _wait_for_checkpoint_after(rest, job_id, begun.id if begun else 0, 600)
            stopped = stop_with_savepoint(rest, JOB_NAME)
        except BaseException:
            rest.cancel(job_id)
            raise
        replayed = replay(settings, rest, JOB_NAME, stopped.location, job_args=job_args)
        rest.cancel(replayed.job_id)
    return SavepointCycle(state, savepoint.seconds, _directory_bytes(savepoint.location),
                          stopped.seconds,
                          _directory_bytes(stopped.location), replayed.submit_seconds,
                          replayed.restore_seconds)
