"""`argus-flink demo`: the whole suite on the local stack, end to end, with a summary.

up -> produce a seeded workload -> submit every job in this build -> wait -> summarise what
each job wrote (sections come from `argus_flink.reports`, one per job that exists).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from rich.table import Table

from argus_flink.catalog import JOBS
from argus_flink.settings import StackSettings
from argus_flink.stack import stack as local_stack
from argus_flink.submit import flink_run


@dataclass(frozen=True)
class Section:
    title: str
    job: str
    #: "module:function"; the function takes StackSettings and returns a rich renderable.
    report: str

    def load(self) -> Callable | None:
        module, _, function = self.report.partition(":")
        try:
            return getattr(importlib.import_module(module), function)
        except (ImportError, AttributeError):
            return None


SECTIONS = (
    Section("Latest test-metrics windows per project", "test-metrics",
            "argus_flink.reports.test_metrics:latest_windows_table"),
    Section("Anomalies found", "anomaly-flags", "argus_flink.reports.anomalies:anomalies_table"),
    Section("Clusters of similar failures", "failure-embeddings",
            "argus_flink.reports.failures:similar_failures_table"),
    Section("Impact of a changed file (knowledge graph)", "knowledge-graph",
            "argus_flink.demo:graph_impact"),
)


def running_job_names(settings: StackSettings) -> set[str]:
    return {job["name"] for job in local_stack.running_jobs(settings)
            if job["state"] in {"RUNNING", "CREATED", "INITIALIZING", "RESTARTING"}}


def submit_missing_jobs(settings: StackSettings) -> dict[str, str]:
    """Submit each job of this build that is not already running; returns name -> job id/state."""
    running = running_job_names(settings)
    submitted = {}
    for spec in JOBS.values():
        if not spec.exists():
            continue
        if spec.name in running:
            submitted[spec.name] = "already running"
            continue
        submitted[spec.name] = flink_run(settings, spec.module, [])
    return submitted


def wait_for_jobs_running(settings: StackSettings, names: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not names <= running_job_names(settings):
        time.sleep(1)


def jobs_table(settings: StackSettings) -> Table:
    table = Table("job", "state", "Web UI", title="Flink jobs")
    for job in local_stack.running_jobs(settings):
        table.add_row(job["name"], job["state"],
                      f"{settings.flink_rest_url}/#/job/running/{job['id']}/overview")
    return table


def checkpoint_summary(settings: StackSettings, job_id: str) -> str:
    try:
        counts = httpx.get(f"{settings.flink_rest_url}/jobs/{job_id}/checkpoints",
                           timeout=5).json()["counts"]
    except (httpx.HTTPError, KeyError):
        return "n/a"
    return f"{counts['completed']} completed, {counts['failed']} failed"


def graph_impact(settings: StackSettings):
    """One impact query: the first org's most covered file, and the tests that cover it."""
    from argus_flink.endpoints import load_endpoints
    from argus_flink.graph.queries import open_queries
    from argus_flink.graph.writer import GraphTarget
    from argus_flink.reports.graph import impact_report

    with open_queries(GraphTarget.from_endpoints(load_endpoints(settings))) as queries:
        return impact_report(queries) or "the graph is still empty"
