"""The job on the benchmark stack: bounded throughput runs, a live run for flag latency, and
the size of its keyed state."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import httpx
from confluent_kafka import Consumer, TopicPartition

from argus_flink.contracts import Insight
from argus_flink.ops.rest import FlinkRest
from argus_flink.ops.savepoints import stop_with_savepoint
from argus_flink.settings import StackSettings
from argus_flink.submit import flink_run
from bench.common import bounded
from bench.common.bounded import FlinkRun
from bench.common.workload import Batch
from jobs.anomaly_flags import JOB_NAME
from udfs.anomaly.records import epoch_ms

MODULE = "jobs.anomaly_flags"
GROUP_ID = f"argus-{JOB_NAME}"
DETECTOR_VERTEX = "detect anomalies per project and test"
INSIGHTS = "argus.insight.generated"


def run_bounded(settings: StackSettings, batch: Batch, mode: str, timeout: float) -> FlinkRun:
    """The job over ``batch`` to its end, its Python operators in ``mode``."""
    return bounded.run_bounded(settings, MODULE, GROUP_ID, batch, label=mode, timeout=timeout,
                               extra_args=["--python-execution-mode", mode])


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


def start_live(settings: StackSettings, batch_start: dict, idle_timeout_s: float, mode: str,
               timeout: float = 300) -> LiveJob:
    bounded.commit_group_offsets(settings.kafka_bootstrap, GROUP_ID, batch_start)
    job_id = flink_run(settings, MODULE, ["--start-from", "group-offsets",
                                          "--idle-timeout", str(idle_timeout_s),
                                          "--python-execution-mode", mode])
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
    while bounded.records_read(rest, job.job_id) < records:
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
