"""Run the job on the benchmark's cluster over the prefilled topic and measure it: events/s
from the moment every task runs until every window is in PostgreSQL, checkpoint durations,
the TaskManager's peak RSS, and where the source task spends its time (stack samples)."""

from __future__ import annotations

import collections
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from argus_flink.settings import StackSettings
from argus_flink.submit import flink_run
from bench.common.taskmanager import cpu_seconds, taskmanager_pid


@dataclass
class FlinkRun:
    job_id: str
    records: int
    seconds: float  # all tasks RUNNING -> last window in PostgreSQL
    cpu_seconds: float  # the TaskManager JVM's CPU time over the same span
    windows: int
    checkpoints: dict
    peak_rss_bytes: int
    hot_frames: list[tuple[str, int]] = field(default_factory=list)
    vertices: list[dict] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.records / self.seconds

    @property
    def cpu_rate(self) -> float:
        return self.records / self.cpu_seconds


def _rss_bytes(pid: int, field_name: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) * 1024
    return 0


class Sampler(threading.Thread):
    """Every few seconds: the TaskManager's RSS, and the top frame of the source task's
    thread from a thread dump (a poor man's profiler that needs nothing installed)."""

    def __init__(self, pid: int, every: float = 3.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak_rss = 0
        self.frames: collections.Counter[str] = collections.Counter()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.every):
            self.peak_rss = max(self.peak_rss, _rss_bytes(self.pid))
            dump = subprocess.run(["jstack", str(self.pid)], capture_output=True, text=True,
                                  timeout=30).stdout
            for thread in dump.split("\n\n"):
                if thread.startswith('"Source: ') and "RUNNABLE" in thread:
                    frames = [ln.strip()[3:] for ln in thread.splitlines()
                              if ln.strip().startswith("at ")]
                    interesting = [f for f in frames if "SqlJsonUtils" in f or "jayway" in f
                                   or "Generated" in f or "StreamExec" in f]
                    self.frames[_frame(frames[0]) if frames else "?"] += 1
                    if interesting:
                        self.frames["  (in " + _frame(interesting[0]) + ")"] += 1

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=60)


def _frame(frame: str) -> str:
    return re.sub(r"\(.*\)$", "", frame)


def _window_rows(dsn: str, orgs: list[str]) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT count(*) FROM test_metrics WHERE org_id = ANY(%s)",
                            (orgs,)).fetchone()[0]


def run_job(settings: StackSettings, job_args: list[str], *, records: int, windows: int,
            orgs: list[str], timeout: float = 3600) -> FlinkRun:
    rest = settings.flink_rest_url
    with psycopg.connect(settings.postgres_dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM test_metrics WHERE org_id = ANY(%s)", (orgs,))
    sampler = Sampler(taskmanager_pid(settings))
    job_id = flink_run(settings, "jobs.test_metrics", job_args, timeout=900)
    deadline = time.monotonic() + timeout
    while True:  # every task deployed and running: the clock starts
        job = httpx.get(f"{rest}/jobs/{job_id}", timeout=10).json()
        if job["state"] == "RUNNING" and all(v["status"] in ("RUNNING", "FINISHED")
                                             for v in job["vertices"]):
            break
        if job["state"] in ("FAILED", "CANCELED") or time.monotonic() > deadline:
            raise RuntimeError(f"job {job_id} is {job['state']}")
        time.sleep(0.5)
    started, cpu = time.monotonic(), cpu_seconds(sampler.pid)
    sampler.start()
    done = 0
    while done < windows:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {done} of {windows} windows after {timeout:.0f} s")
        time.sleep(1)
        done = _window_rows(settings.postgres_dsn, orgs)
        state = httpx.get(f"{rest}/jobs/{job_id}", timeout=10).json()["state"]
        if state in ("FINISHED", "FAILED", "CANCELED"):
            done = _window_rows(settings.postgres_dsn, orgs)
            break  # fewer windows than the baseline: the report shows both counts
    seconds, cpu = time.monotonic() - started, cpu_seconds(sampler.pid) - cpu
    sampler.stop()
    while httpx.get(f"{rest}/jobs/{job_id}", timeout=10).json()["state"] not in (
            "FINISHED", "FAILED", "CANCELED"):  # the final checkpoint commits the insights
        time.sleep(1)
    job = httpx.get(f"{rest}/jobs/{job_id}", timeout=10).json()
    checkpoints = httpx.get(f"{rest}/jobs/{job_id}/checkpoints", timeout=10).json()
    return FlinkRun(job_id, records, seconds, cpu, done, checkpoints,
                    max(sampler.peak_rss, _rss_bytes(sampler.pid, "VmHWM")),
                    sampler.frames.most_common(12), job["vertices"])
