"""Resume a job from a savepoint on the local cluster, and say clearly when that cannot work.

Submission goes through Flink's client (``flink run -s``), because only it can run the Python
driver that builds the job; everything around it (is the job already running, did the state
restore, why not) is read from the REST API.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from argus_flink.catalog import job_spec
from argus_flink.ops.catalog_local import LocalSavepointCatalog, path_of
from argus_flink.ops.errors import (
    IncompatibleSavepointError,
    NoSavepointError,
    OpsError,
    ReplayFailedError,
    main_cause,
)
from argus_flink.ops.metadata import METADATA_FILE, operator_name
from argus_flink.ops.rest import TASK_STARTING_STATES, FlinkRest
from argus_flink.ops.running import active_jobs_named
from argus_flink.ops.savepoint_catalog import latest
from argus_flink.settings import StackSettings
from argus_flink.stack.flink import local_flink_conf
from argus_flink.submit import SubmitError, flink_run

LATEST = "latest"
_UNMAPPED_STATE = re.compile(r"Cannot map checkpoint/savepoint state for operator ([0-9a-f]{32})")
_STATE_TYPE_CHANGED = ("StateMigrationException", "incompatible with the old state serializer",
                       "The new state serializer")
_FAILED = ("FAILED", "FAILING", "RESTARTING", "CANCELED", "CANCELLING")

COMPATIBLE_CHANGES = (
    "keep the stateful operators and the types of their state as they are (the same sources, "
    "deduplication and window aggregates with the same aggregate functions and keys); changing "
    "projections, filters, or the expressions computed from the aggregates is state-compatible"
)


@dataclass(frozen=True)
class ReplayResult:
    job: str
    job_id: str
    savepoint: str
    submit_seconds: float  # Flink's client: run the Python driver, build and submit the job
    restore_seconds: float  # job start until every task runs, i.e. its state is restored
    restored_checkpoint_id: int | None


def resolve_savepoint(source: str, job: str, catalog: LocalSavepointCatalog) -> str:
    """The savepoint to restore from, as a ``file://`` URI: ``latest`` or a path."""
    if source == LATEST:
        entry = latest(catalog.list(job), job)
        if entry is None:
            raise NoSavepointError(
                f"no savepoint of {job} yet in {catalog.description}. Take one with "
                f"`argus-flink savepoint {job}` or `argus-flink stop {job} --savepoint`.")
        return entry.location
    if source.split("://", 1)[0] in ("s3", "s3a", "s3p"):
        raise OpsError(
            f"the local cluster cannot read {source}: it has no S3 filesystem plugin. Copy the "
            "savepoint folder to this machine and replay from the copy, or replay in "
            f"Kubernetes with `argus-flink k8s replay {job} --from {source}`.")
    directory = path_of(source)
    if directory.name == METADATA_FILE:
        directory = directory.parent
    if not (directory / METADATA_FILE).is_file():
        raise NoSavepointError(
            f"no savepoint at {source}: {directory / METADATA_FILE} does not exist. "
            f"`argus-flink savepoints list {job}` shows the savepoints there are.")
    return directory.resolve().as_uri()


def explain_restore_failure(text: str, savepoint: str, job: str) -> OpsError | None:
    """A clear error for a savepoint that does not fit the new build, if ``text`` says so."""
    unmapped = _UNMAPPED_STATE.search(text)
    if unmapped:
        operator = unmapped.group(1)
        name = _operator_name(savepoint, operator)
        which = f"{operator} ({name})" if name else operator
        return IncompatibleSavepointError(
            f"savepoint {savepoint} does not fit this build of {job}: its state for operator "
            f"{which} maps to no operator of the new program. Either replay with "
            "--allow-non-restored-state, which drops that state (right only when it is truly "
            f"obsolete, e.g. a removed operator), or make the change state-compatible: "
            f"{COMPATIBLE_CHANGES}.")
    if any(marker in text for marker in _STATE_TYPE_CHANGED):
        return IncompatibleSavepointError(
            f"savepoint {savepoint} does not fit this build of {job}: an operator's state has a "
            "different type in the new program (e.g. an aggregate function was added or "
            "removed), so Flink cannot read it. --allow-non-restored-state does not help here. "
            f"Make the change state-compatible: {COMPATIBLE_CHANGES}; or start {job} without "
            "the savepoint and reprocess the topic from the beginning.")
    return None


def replay(settings: StackSettings, rest: FlinkRest, job: str, source: str, *,
           job_args: Sequence[str] = (), allow_non_restored_state: bool = False,
           module: str | None = None, catalog: LocalSavepointCatalog | None = None,
           timeout: float = 600.0) -> ReplayResult:
    """Start ``job`` from ``source`` (a savepoint path or ``latest``) and wait until its
    state is restored and every task runs. ``module`` replaces the catalog's driver (tests)."""
    spec = job_spec(job)
    if module is None and not spec.exists():
        raise OpsError(f"job {job!r} ({spec.module}) is not in this build yet")
    already = active_jobs_named(rest, job)  # also fails fast when the cluster is down
    if already:
        raise OpsError(
            f"{job} is already running as job {already[0].id}: a second copy would write the "
            f"same sinks. Stop it first with `argus-flink stop {job} --savepoint`.")
    savepoint = resolve_savepoint(source, job, catalog or local_catalog(settings, rest))
    started = time.monotonic()
    try:
        job_id = flink_run(settings, module or spec.module, job_args, savepoint=savepoint,
                           allow_non_restored_state=allow_non_restored_state)
    except SubmitError as exc:
        raise explain_restore_failure(str(exc), savepoint, job) or ReplayFailedError(
            f"replay of {job} from {savepoint} failed to submit:\n{exc}") from exc
    submit_seconds = time.monotonic() - started
    restore_seconds = wait_until_running(rest, job_id, savepoint, job, timeout=timeout)
    restored = rest.checkpoints(job_id).restored
    return ReplayResult(job, job_id, savepoint, submit_seconds, restore_seconds,
                        restored.id if restored else None)


def wait_until_running(rest: FlinkRest, job_id: str, savepoint: str, job: str, *,
                       timeout: float, poll: float = 0.5) -> float:
    """Seconds from the job's start until all its tasks run (or it finished, if bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        details = rest.job(job_id)
        state = details.get("state")
        if state == "FINISHED" or (state == "RUNNING" and not _subtasks_starting(details)):
            return max(0.0, time.time() - details.get("start-time", 0) / 1000)
        if state in _FAILED:
            causes = "\n".join(rest.exceptions(job_id))
            incompatible = explain_restore_failure(causes, savepoint, job)
            if incompatible is not None:
                if state not in ("FAILED", "CANCELED"):
                    rest.cancel(job_id)  # it would only restart and fail again, forever
                raise incompatible
            if state in ("FAILED", "CANCELED"):
                raise ReplayFailedError(f"{job} (job {job_id}) {state.lower()} after the "
                                        f"restore from {savepoint}: {main_cause(causes)}")
        if time.monotonic() >= deadline:
            raise ReplayFailedError(
                f"{job} (job {job_id}) is {state} {timeout:.0f}s after submission; see "
                f"{rest.base_url}/#/job/running/{job_id}/overview")
        time.sleep(poll)


def _subtasks_starting(details: dict) -> int:
    """Subtasks not yet running. (A vertex's own status reads RUNNING as soon as one of its
    subtasks runs, and ``status-counts`` counts vertices, so only ``tasks`` is exact.)"""
    return sum((vertex.get("tasks") or {}).get(state, 0)
               for vertex in details.get("vertices", []) for state in TASK_STARTING_STATES)


def local_catalog(settings: StackSettings, rest: FlinkRest | None = None) -> LocalSavepointCatalog:
    """The local cluster's savepoint directory, from the same flink-conf it was started with;
    savepoints at its top level are named by the job ids the cluster still knows."""
    root = path_of(local_flink_conf(settings)["execution.checkpointing.savepoint-dir"])
    names = {}
    if rest is not None:
        names = {j.id: j.name for j in rest.jobs()}
    return LocalSavepointCatalog(root, names)


def _operator_name(savepoint: str, operator_id: str) -> str | None:
    try:
        data = (path_of(savepoint) / METADATA_FILE).read_bytes()
    except (OSError, ValueError):
        return None
    return operator_name(data, operator_id)

