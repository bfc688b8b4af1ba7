"""The suite's jobs: CLI name, Python module (what `flink run --pyModule` and the
FlinkDeployment's `-pym` start), and a one-line description."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass


@dataclass(frozen=True)
class JobSpec:
    name: str
    module: str
    description: str

    def exists(self) -> bool:
        """Whether the job's module is in this build (jobs land one issue at a time)."""
        try:
            return importlib.util.find_spec(self.module) is not None
        except ModuleNotFoundError:
            return False


JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in (
        JobSpec("test-metrics", "jobs.test_metrics",
                "SQL: 5-minute tumbling-window pass/fail/flaky metrics per org and project"),
        JobSpec("anomaly-flags", "jobs.anomaly_flags",
                "DataStream: failure-rate spikes, duration regressions, flaky tests, error bursts"),
        JobSpec("failure-embeddings", "jobs.failure_embeddings",
                "failure fingerprints and embeddings in pgvector, similar-failure insights"),
        JobSpec("knowledge-graph", "jobs.knowledge_graph",
                "orgs, projects, tests, runs, files and errors in the Bolt graph"),
    )
}


class UnknownJobError(KeyError):
    def __str__(self) -> str:
        return (f"unknown job {self.args[0]!r}; jobs: {', '.join(JOBS)}")


def job_spec(name: str) -> JobSpec:
    try:
        return JOBS[name]
    except KeyError:
        raise UnknownJobError(name) from None
