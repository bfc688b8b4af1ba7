"""A small typed client for the parts of Flink's REST API the operations commands use.

Reads are retried briefly (a JobManager busy with a restore can time out a request);
requests that change something are retried only when they never reached the server.
A cluster that does not answer at all becomes :class:`ClusterDownError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from tenacity import (
    retry,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from argus_flink.ops.errors import ClusterDownError, FlinkRestError

#: Task states before RUNNING (restoring state happens in INITIALIZING); ``/jobs/overview``
#: counts them in lower case.
TASK_STARTING_STATES = ("CREATED", "SCHEDULED", "DEPLOYING", "INITIALIZING", "RECONCILING")
#: Jobs in these states still own their slots and may write to the sinks.
ACTIVE_STATES = frozenset({"INITIALIZING", "CREATED", "RUNNING", "FAILING", "CANCELLING",
                           "RESTARTING", "RECONCILING", "SUSPENDED"})


def from_epoch_ms(ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms and ms > 0 else None


@dataclass(frozen=True)
class JobOverview:
    id: str
    name: str
    state: str
    start_time: datetime | None
    tasks_total: int
    tasks_running: int
    tasks_starting: int = 0  # in one of TASK_STARTING_STATES

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


@dataclass(frozen=True)
class CompletedCheckpoint:
    """A completed checkpoint or savepoint of a job, as its checkpoint statistics report it."""

    id: int
    path: str | None
    completed_at: datetime | None
    state_size: int
    duration_ms: int
    is_savepoint: bool


@dataclass(frozen=True)
class RestoredCheckpoint:
    id: int
    path: str | None
    restored_at: datetime | None
    is_savepoint: bool


@dataclass(frozen=True)
class CheckpointSummary:
    """``GET /jobs/:id/checkpoints``, reduced to what operations need."""

    completed: CompletedCheckpoint | None
    savepoint: CompletedCheckpoint | None
    restored: RestoredCheckpoint | None
    completed_count: int
    failed_count: int


@dataclass(frozen=True)
class OperationStatus:
    """A savepoint or stop-with-savepoint operation: in progress, done at ``location``, or
    failed with ``failure``."""

    done: bool
    location: str | None = None
    failure: str | None = None


def _completed(entry: dict[str, Any] | None) -> CompletedCheckpoint | None:
    if not entry:
        return None
    return CompletedCheckpoint(
        id=int(entry["id"]),
        path=entry.get("external_path"),
        completed_at=from_epoch_ms(entry.get("latest_ack_timestamp")),
        state_size=int(entry.get("state_size") or 0),
        duration_ms=int(entry.get("end_to_end_duration") or 0),
        is_savepoint=bool(entry.get("is_savepoint")),
    )


def _restored(entry: dict[str, Any] | None) -> RestoredCheckpoint | None:
    if not entry:
        return None
    return RestoredCheckpoint(
        id=int(entry["id"]),
        path=entry.get("external_path"),
        restored_at=from_epoch_ms(entry.get("restore_timestamp")),
        is_savepoint=bool(entry.get("is_savepoint")),
    )


def _failure_text(cause: dict[str, Any] | None) -> str:
    if not cause:
        return "unknown failure"
    return str(cause.get("stack-trace") or cause.get("serialized-throwable")
               or cause.get("class") or cause)


def _transient(exc: BaseException) -> bool:
    """Worth another try: the server is busy or a restarting JobManager answered 503."""
    if isinstance(exc, httpx.TimeoutException | httpx.ConnectError):
        return True
    return isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code in {502, 503, 504}


_retry_reads = retry(retry=retry_if_exception(_transient), stop=stop_after_attempt(3),
                     wait=wait_exponential(multiplier=0.3, max=3), reraise=True)
# A connect error means the request never left this machine, so even a POST is safe to repeat.
_retry_writes = retry(retry=retry_if_exception_type(httpx.ConnectError),
                      stop=stop_after_attempt(3), wait=wait_exponential(multiplier=0.3, max=3),
                      reraise=True)


class FlinkRest:
    """The JobManager's REST API at ``base_url`` (e.g. ``settings.flink_rest_url``)."""

    def __init__(self, base_url: str, *, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FlinkRest:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- transport ------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        sender = _retry_reads if method == "GET" else _retry_writes
        try:
            response = sender(self._send)(method, path, **kwargs)
        except (httpx.ConnectError, httpx.TimeoutException) as exc:
            raise ClusterDownError(self.base_url, type(exc).__name__) from exc
        except httpx.HTTPStatusError as exc:
            raise FlinkRestError(_rest_error(exc.response, f"{method} {path}")) from exc
        return response.json() if response.content else None

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, path, **kwargs)
        response.raise_for_status()
        return response

    # --- cluster and jobs -----------------------------------------------------------------
    def jobs(self) -> list[JobOverview]:
        return [
            JobOverview(
                id=job["jid"],
                name=job["name"],
                state=job["state"],
                start_time=from_epoch_ms(job.get("start-time")),
                tasks_total=int(job.get("tasks", {}).get("total", 0)),
                tasks_running=int(job.get("tasks", {}).get("running", 0)),
                tasks_starting=sum(int(job.get("tasks", {}).get(state.lower(), 0))
                                   for state in TASK_STARTING_STATES),
            )
            for job in self._request("GET", "/jobs/overview").get("jobs", [])
        ]

    def job(self, job_id: str) -> dict[str, Any]:
        """``GET /jobs/:id``: state, vertices and their task counts."""
        return self._request("GET", f"/jobs/{job_id}")

    def cluster_config(self) -> dict[str, str]:
        """The JobManager's effective configuration."""
        return {e["key"]: e["value"] for e in self._request("GET", "/jobmanager/config")}

    def checkpoints(self, job_id: str) -> CheckpointSummary:
        body = self._request("GET", f"/jobs/{job_id}/checkpoints")
        latest, counts = body.get("latest") or {}, body.get("counts") or {}
        return CheckpointSummary(
            completed=_completed(latest.get("completed")),
            savepoint=_completed(latest.get("savepoint")),
            restored=_restored(latest.get("restored")),
            completed_count=int(counts.get("completed", 0)),
            failed_count=int(counts.get("failed", 0)),
        )

    def exceptions(self, job_id: str) -> list[str]:
        """The job's failure causes, newest first (root exception, then the history)."""
        body = self._request("GET", f"/jobs/{job_id}/exceptions")
        texts = [body.get("root-exception")] + [
            entry.get("stacktrace") for entry in body.get("exceptionHistory", {}).get("entries", [])
        ]
        return [t for t in texts if t]

    def cancel(self, job_id: str) -> None:
        self._request("PATCH", f"/jobs/{job_id}", params={"mode": "cancel"})

    # --- savepoints -----------------------------------------------------------------------
    def trigger_savepoint(self, job_id: str, target_directory: str | None, *,
                          format_type: str = "CANONICAL") -> str:
        """Start a savepoint of a running job; returns the trigger id to poll."""
        body = {"cancel-job": False, "formatType": format_type}
        if target_directory:
            body["target-directory"] = target_directory
        return self._request("POST", f"/jobs/{job_id}/savepoints", json=body)["request-id"]

    def stop_with_savepoint(self, job_id: str, target_directory: str | None, *,
                            drain: bool = False, format_type: str = "CANONICAL") -> str:
        """Stop the job gracefully, taking a final savepoint; returns the trigger id to poll."""
        body: dict[str, Any] = {"drain": drain, "formatType": format_type}
        if target_directory:
            body["targetDirectory"] = target_directory
        return self._request("POST", f"/jobs/{job_id}/stop", json=body)["request-id"]

    def savepoint_status(self, job_id: str, trigger_id: str) -> OperationStatus:
        body = self._request("GET", f"/jobs/{job_id}/savepoints/{trigger_id}")
        if body.get("status", {}).get("id") != "COMPLETED":
            return OperationStatus(done=False)
        operation = body.get("operation") or {}
        if "failure-cause" in operation:
            return OperationStatus(done=True, failure=_failure_text(operation["failure-cause"]))
        return OperationStatus(done=True, location=operation.get("location"))


def _rest_error(response: httpx.Response, what: str) -> str:
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        errors = [response.text]
    first = str(errors[0]).strip().splitlines()[0] if errors else ""
    return f"Flink refused {what}: HTTP {response.status_code} {first}".rstrip()
