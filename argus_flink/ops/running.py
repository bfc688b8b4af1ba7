"""Map the suite's job names (``test-metrics``) to the Flink jobs running on a cluster.

The jobs set ``pipeline.name`` to their catalog name, so the name in ``/jobs/overview`` is the
link; the catalog check comes first, so a typo is reported as an unknown job.
"""

from __future__ import annotations

import time

from argus_flink.catalog import job_spec
from argus_flink.ops.errors import JobNotRunningError
from argus_flink.ops.rest import FlinkRest, JobOverview


def active_jobs_named(rest: FlinkRest, name: str) -> list[JobOverview]:
    return [job for job in rest.jobs() if job.name == name and job.active]


def running_job(rest: FlinkRest, name: str) -> JobOverview:
    """The one active Flink job called ``name``; raises with what is running instead."""
    job_spec(name)  # UnknownJobError for names outside the catalog
    matches = active_jobs_named(rest, name)
    if len(matches) == 1:
        return matches[0]
    if matches:
        ids = ", ".join(f"{j.id} ({j.state})" for j in matches)
        raise JobNotRunningError(
            f"{len(matches)} jobs named {name!r} are active on {rest.base_url}: {ids}. "
            "Cancel the extra ones (`argus-flink flink cancel JOB_ID`) and try again."
        )
    others = sorted({j.name for j in rest.jobs() if j.active})
    running = f"running there: {', '.join(others)}" if others else "no job is running there"
    raise JobNotRunningError(
        f"{name} is not running on {rest.base_url} ({running}). "
        f"Start it with `argus-flink submit {name}` or `argus-flink replay {name} --from latest`."
    )


def running_job_with_tasks_up(rest: FlinkRest, name: str, *, timeout: float,
                              poll: float = 0.5) -> JobOverview:
    """``running_job``, once none of its tasks is still starting: Flink refuses a checkpoint
    or savepoint until every task runs, as it is right after a submit or a restart."""
    deadline = time.monotonic() + timeout
    job = running_job(rest, name)
    while (job.state != "RUNNING" or job.tasks_starting) and time.monotonic() < deadline:
        time.sleep(poll)
        job = running_job(rest, name)
    return job
