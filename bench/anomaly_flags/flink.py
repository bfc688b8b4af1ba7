"""The job on the benchmark stack: bounded throughput runs, a live run for flag latency, and
the size of its keyed state."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from confluent_kafka import Consumer, TopicPartition

from argus_flink.contracts import Insight
from argus_flink.ops.rest import FlinkRest
from argus_flink.ops.savepoints import stop_with_savepoint
from argus_flink.settings import StackSettings
from argus_flink.stack.flink import FlinkCluster
from argus_flink.stack.process import running_pid
from argus_flink.submit import flink_run
from bench.anomaly_flags.workload import Batch
from jobs.anomaly_flags import JOB_NAME
from udfs.anomaly.records import epoch_ms

MODULE = "jobs.anomaly_flags"
GROUP_ID = f"argus-{JOB_NAME}"
DETECTOR_VERTEX = "detect anomalies per project and test"
INSIGHTS = "argus.insight.generated"
STALL_S = 180.0  # no record read for this long after the first: the run is stuck


@dataclass
class FlinkRun:
    mode: str
    records: int
    seconds: float = 0.0  # from 10% to 90% of the records read (steady state)
    cpu_seconds: float = 0.0  # TaskManager JVM and its Python workers over that span
    end_to_end_seconds: float = 0.0  # first record read -> FINISHED (final checkpoint too)
    finished: bool = False
    note: str = ""

    @property
    def rate(self) -> float:
        return 0.8 * self.records / self.seconds if self.finished and self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        return 0.8 * self.records / self.cpu_seconds if self.cpu_seconds else 0.0


# --- CPU of the TaskManager and every process it started ---------------------------------

def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a process, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree_cpu(root: int) -> dict[int, float]:
    stats = {int(entry): _stat(int(entry)) for entry in os.listdir("/proc") if entry.isdigit()}
    children: dict[int, list[int]] = {}
    for pid, stat in stats.items():
        if stat is not None:
            children.setdefault(stat[0], []).append(pid)
    cpu, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if stats.get(pid) is not None:
            cpu[pid] = stats[pid][1]
            todo += children.get(pid, [])
    return cpu


class CpuSampler(threading.Thread):
    """Samples the CPU time of a process tree; Python workers that exit keep their last
    sample (at most one interval short)."""

    def __init__(self, root: int, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peak: dict[int, float] = {}
        self.stopping = threading.Event()
        self.baseline = dict(process_tree_cpu(root))

    def run(self) -> None:
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(self.interval)

    def sample(self) -> None:
        for pid, seconds in process_tree_cpu(self.root).items():
            self.peak[pid] = max(self.peak.get(pid, 0.0), seconds)

    def used(self) -> float:
        self.sample()
        return sum(seconds - self.baseline.get(pid, 0.0) for pid, seconds in self.peak.items())


def taskmanager_pid(settings: StackSettings) -> int:
    pid = running_pid(settings.home / "flink" / "run" / "taskmanager.pid")
    if pid is None:
        raise RuntimeError("no TaskManager runs on the benchmark stack")
    return pid


def ensure_taskmanager(settings: StackSettings, timeout: float = 120) -> None:
    """A TaskManager that died (cancelled Python jobs can take it down) comes back."""
    FlinkCluster(settings).start_taskmanager()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        overview = httpx.get(f"{settings.flink_rest_url}/overview", timeout=5).json()
        if overview["taskmanagers"] and overview["slots-available"] >= 4:
            return
        time.sleep(2)
    raise RuntimeError("the TaskManager did not come back")


# --- runs --------------------------------------------------------------------------------

def commit_group_offsets(bootstrap: str, starts: dict[str, dict[int, int]]) -> None:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP_ID,
                         "enable.auto.commit": False})
    try:
        consumer.commit(offsets=[TopicPartition(topic, int(p), offset)
                                 for topic, ends in starts.items()
                                 for p, offset in ends.items()], asynchronous=False)
    finally:
        consumer.close()


def records_read(rest: FlinkRest, job_id: str) -> int:
    return sum(vertex["metrics"]["write-records"] for vertex in rest.job(job_id)["vertices"]
               if vertex["name"].startswith("Source:"))


def run_bounded(settings: StackSettings, batch: Batch, mode: str,
                timeout: float) -> FlinkRun:
    """The job over ``batch`` to its end. Its rate is taken between 10% and 90% of the
    records read, leaving out the Python workers' start and the final checkpoint."""
    rest = FlinkRest(settings.flink_rest_url)
    result = FlinkRun(mode, batch.records)
    commit_group_offsets(settings.kafka_bootstrap, batch.starts)
    job_id = flink_run(settings, MODULE, [*batch.job_args(bounded=True),
                                          "--python-execution-mode", mode])
    sampler = CpuSampler(taskmanager_pid(settings))
    sampler.start()
    marks: dict[str, tuple[float, float]] = {}  # "first", "10%", "90%" -> (clock, cpu)
    deadline = time.monotonic() + timeout
    progress = (0, time.monotonic())  # records read, and since when
    try:
        while time.monotonic() < deadline:
            state, read = rest.job(job_id)["state"], records_read(rest, job_id)
            now = (time.monotonic(), sampler.used())
            if read != progress[0]:
                progress = (read, now[0])
            elif read and now[0] - progress[1] > STALL_S:
                deadline = now[0]  # reading started, then stopped: it will not finish
            for mark, share in (("first", 1e-9), ("10%", 0.1), ("90%", 0.9)):
                if mark not in marks and read >= share * batch.records:
                    marks[mark] = now
            if state == "FINISHED":
                result.finished = True
                break
            if state in {"FAILED", "CANCELED"}:
                result.note = (rest.exceptions(job_id) or ["failed"])[0].splitlines()[0]
                return result
            time.sleep(0.5)
        if not result.finished:
            read = records_read(rest, job_id)
            result.note = (f"did not finish: {read:,} of {batch.records:,} records read, "
                           f"then none for {STALL_S:.0f} s (or {timeout:.0f} s passed); "
                           "cancelled")
            rest.cancel(job_id)
            time.sleep(10)
            ensure_taskmanager(settings)
            return result
        if "90%" in marks:
            result.seconds = marks["90%"][0] - marks["10%"][0]
            result.cpu_seconds = marks["90%"][1] - marks["10%"][1]
        result.end_to_end_seconds = time.monotonic() - marks.get("first", (0.0, 0.0))[0]
        return result
    finally:
        sampler.stopping.set()


class InsightWatcher(threading.Thread):
    """Notes when each insight id first appears on the insights topic (read uncommitted:
    this broker shows transactional records as soon as they are written)."""

    def __init__(self, bootstrap: str) -> None:
        super().__init__(daemon=True)
        self.bootstrap = bootstrap
        # insight id -> (monotonic clock when first seen, org id, detected_at epoch ms)
        self.seen: dict[str, tuple[float, str, int]] = {}
        self.stopping = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "bench-watch",
                             "enable.auto.commit": False, "fetch.wait.max.ms": 10,
                             "isolation.level": "read_uncommitted"})
        partitions = consumer.list_topics(INSIGHTS, timeout=10).topics[INSIGHTS].partitions
        consumer.assign([TopicPartition(INSIGHTS, p, 0) for p in partitions])
        self.ready.set()
        while not self.stopping.is_set():
            for message in consumer.consume(1_000, 0.05):
                if message.error():
                    continue
                insight = Insight.model_validate_json(message.value())
                self.seen.setdefault(insight.insight_id, (
                    time.monotonic(), insight.org_id, epoch_ms(insight.generated_at)))
        consumer.close()


@dataclass
class LiveJob:
    job_id: str
    records_before: int = 0
    state_bytes: dict[str, int] = field(default_factory=dict)


def start_live(settings: StackSettings, batch_start: dict, idle_timeout_s: float,
               timeout: float = 300) -> LiveJob:
    commit_group_offsets(settings.kafka_bootstrap, batch_start)
    job_id = flink_run(settings, MODULE, ["--start-from", "group-offsets",
                                          "--idle-timeout", str(idle_timeout_s)])
    rest = FlinkRest(settings.flink_rest_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        vertices = rest.job(job_id)["vertices"]
        if vertices and all(vertex["status"] == "RUNNING" for vertex in vertices):
            return LiveJob(job_id)
        time.sleep(1)
    raise RuntimeError(f"the live job {job_id} did not start in {timeout:.0f} s")


def wait_for_records(settings: StackSettings, job: LiveJob, records: int,
                     timeout: float = 600) -> None:
    rest = FlinkRest(settings.flink_rest_url)
    deadline = time.monotonic() + timeout
    while records_read(rest, job.job_id) < records:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the live job read fewer than {records:,} records")
        time.sleep(0.5)


def stop_and_measure_state(settings: StackSettings, job: LiveJob, target: str) -> dict[str, int]:
    """Stop with a savepoint; the full state size of each operator in it, by vertex name."""
    rest = FlinkRest(settings.flink_rest_url)
    result = stop_with_savepoint(rest, JOB_NAME, target=target, timeout=600)
    names = {vertex["id"]: vertex["name"] for vertex in rest.job(job.job_id)["vertices"]}
    history = httpx.get(f"{settings.flink_rest_url}/jobs/{job.job_id}/checkpoints",
                        timeout=10).json()["history"]
    savepoint = next(entry for entry in history if entry.get("external_path")
                     and entry["external_path"].rstrip("/") == result.location.rstrip("/"))
    details = httpx.get(f"{settings.flink_rest_url}/jobs/{job.job_id}/checkpoints/details/"
                        f"{savepoint['id']}", timeout=10).json()
    return {names.get(vertex, vertex): int(task.get("state_size") or 0)
            for vertex, task in details["tasks"].items()}
