"""The failure-embeddings job over one batch, to its end, on the benchmark stack: when its
patterns reached PostgreSQL, and whether they are exactly the expected ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from argus_flink.settings import StackSettings
from argus_flink.vectors.store import connect
from bench.common import bounded
from bench.common.bounded import FlinkRun
from bench.common.taskmanager import cpu_spent, stack_cpu
from bench.common.workload import Batch
from bench.failure_embeddings.workload import Expected
from jobs.failure_embeddings import JOB

MODULE = "jobs.failure_embeddings"
GROUP_ID = f"argus-{JOB}"


class PatternRows:
    """Polled by the bounded run: the row count of the benchmark's orgs, and when it last
    changed."""

    def __init__(self, dsn: str, orgs: list[str]) -> None:
        self.dsn, self.orgs = dsn, orgs
        self.rows = 0
        self.first_at: float | None = None  # clock of the first poll that saw rows
        self.first_rows = 0  # and how many it saw
        self.last_at: float | None = None  # clock of the poll that saw the final count
        self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def poll(self, clock: float) -> None:
        if self._conn is None:  # one connection for the whole run, not one per poll
            self._conn = connect(self.dsn, autocommit=True)
        rows = self._conn.execute("SELECT count(*) FROM failure_patterns WHERE org_id = ANY(%s)",
                                  (self.orgs,)).fetchone()[0]
        if rows and self.first_at is None:
            self.first_at, self.first_rows = clock, rows
        if rows != self.rows:
            self.rows, self.last_at = rows, clock


@dataclass
class JobRun:
    run: FlinkRun
    rows: PatternRows
    expected: Expected
    occurrences: int = 0  # the sum over the stored patterns: distinct failure events
    missing: int = 0  # expected patterns not stored
    # cosine of each stored vector to the model's own for the same text
    cosines: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU-s per part of the stack

    @property
    def writing_seconds(self) -> float:
        """First record read -> the last pattern in PostgreSQL (polled twice a second)."""
        if self.rows.last_at is None or self.run.first_read_at is None:
            return 0.0
        return self.rows.last_at - self.run.first_read_at

    def per_second(self, count: int) -> float:
        return count / self.writing_seconds if self.writing_seconds else 0.0

    @property
    def steady_embeddings_per_second(self) -> float:
        """Patterns written after the first poll that saw some, per second until the last:
        leaves out the Python worker's start and the model's load, which the first record
        read does not wait for (the writer is a task of its own)."""
        rows = self.rows
        if rows.first_at is None or rows.last_at is None or rows.last_at <= rows.first_at:
            return 0.0
        return (rows.rows - rows.first_rows) / (rows.last_at - rows.first_at)

    @property
    def exact(self) -> bool:
        return (self.run.finished and not self.missing
                and self.rows.rows == len(self.expected.texts)
                and self.occurrences == self.expected.failure_events)


def run(settings: StackSettings, batch: Batch, expected: Expected, *, label: str,
        parallelism: int, timeout: float, extra_args: Sequence[str] = ()) -> JobRun:
    rows = PatternRows(settings.postgres_dsn, expected.orgs)
    # Both workloads come from generated scenarios with the same org ids: start from none of
    # their patterns, so each run embeds and counts its own.
    with connect(settings.postgres_dsn) as conn:
        conn.execute("DELETE FROM failure_patterns WHERE org_id = ANY(%s)", (expected.orgs,))
    cpu_before = stack_cpu(settings)
    # Python workers exit with the job: keep each part's latest reading while it runs.
    cpu_latest: dict[str, float] = {}

    def poll(clock: float) -> None:
        rows.poll(clock)
        for part, cpu in stack_cpu(settings).items():
            cpu_latest[part] = max(cpu_latest.get(part, 0.0), cpu)

    try:
        flink_run = bounded.run_bounded(settings, MODULE, GROUP_ID, batch, label=label,
                                        timeout=timeout, on_poll=poll,
                                        extra_args=["--parallelism", str(parallelism),
                                                    *extra_args])
    finally:
        rows.close()
    return JobRun(flink_run, rows, expected, cpu=cpu_spent(cpu_before, cpu_latest))


def check(job: JobRun, reference: dict[tuple[str, str], np.ndarray]) -> None:
    """Occurrences and vectors as stored, against the expected patterns and the model."""
    with connect(job.rows.dsn) as conn:
        stored = conn.execute(
            "SELECT org_id, fingerprint, occurrences, embedding FROM failure_patterns"
            " WHERE org_id = ANY(%s)", (job.rows.orgs,)).fetchall()
    found = {(org, fingerprint): (occurrences, embedding)
             for org, fingerprint, occurrences, embedding in stored}
    job.occurrences = sum(occurrences for occurrences, _ in found.values())
    job.missing = sum(1 for key in job.expected.texts if key not in found)
    for key, vector in reference.items():
        if key in found and found[key][1] is not None:
            job.cosines.append(float(np.dot(found[key][1].to_numpy(), vector)))
