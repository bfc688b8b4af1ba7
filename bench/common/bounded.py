"""A job over one batch to its end, timed from the Flink REST API: when reading began, when
10% and 90% of the batch had been read, when it finished, and the TaskManager's CPU time at
each of those moments."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from confluent_kafka import Consumer, TopicPartition

from argus_flink.ops.rest import FlinkRest
from argus_flink.settings import StackSettings
from argus_flink.submit import flink_run
from bench.common.taskmanager import CpuSampler, ensure_taskmanager, taskmanager_pid
from bench.common.workload import Batch

STALL_S = 180.0  # no record read for this long after the first: the run is stuck


@dataclass
class FlinkRun:
    label: str
    records: int
    seconds: float = 0.0  # from 10% to 90% of the records read (steady state)
    cpu_seconds: float = 0.0  # TaskManager JVM and its Python workers over that span
    end_to_end_seconds: float = 0.0  # first record read -> FINISHED (final checkpoint too)
    end_to_end_cpu_seconds: float = 0.0
    first_read_at: float | None = None  # monotonic clock when the first record was read
    finished: bool = False
    note: str = ""

    @property
    def rate(self) -> float:
        return 0.8 * self.records / self.seconds if self.finished and self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        return 0.8 * self.records / self.cpu_seconds if self.cpu_seconds else 0.0


def commit_group_offsets(bootstrap: str, group_id: str,
                         starts: dict[str, dict[int, int]]) -> None:
    """Jobs start from their group's offsets: point the group at the batch's first records."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group_id,
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


def run_bounded(settings: StackSettings, module: str, group_id: str, batch: Batch, *,
                label: str, timeout: float, extra_args: Sequence[str] = (),
                on_poll: Callable[[float], None] | None = None) -> FlinkRun:
    """``module`` over ``batch`` to its end. Its rate is taken between 10% and 90% of the
    records read, leaving out the Python workers' start and the final checkpoint.
    ``on_poll(clock)`` runs at every poll (twice a second), for what a benchmark watches
    besides the job, such as rows arriving in a table."""
    rest = FlinkRest(settings.flink_rest_url)
    result = FlinkRun(label, batch.records)
    commit_group_offsets(settings.kafka_bootstrap, group_id, batch.starts)
    job_id = flink_run(settings, module, [*batch.job_args(bounded=True), *extra_args])
    sampler = CpuSampler(taskmanager_pid(settings))
    sampler.start()
    marks: dict[str, tuple[float, float]] = {}  # "first", "10%", "90%" -> (clock, cpu)
    deadline = time.monotonic() + timeout
    progress = (0, time.monotonic())  # records read, and since when
    try:
        while time.monotonic() < deadline:
            state, read = rest.job(job_id)["state"], records_read(rest, job_id)
            now = (time.monotonic(), sampler.used())
            if on_poll is not None:
                on_poll(now[0])
            if read != progress[0]:
                progress = (read, now[0])
            elif read and now[0] - progress[1] > STALL_S:
                deadline = now[0]  # reading started, then stopped: it will not finish
            for mark, share in (("first", 1e-9), ("10%", 0.1), ("90%", 0.9)):
                if mark not in marks and read >= share * batch.records:
                    marks[mark] = now
                    if mark == "first":
                        result.first_read_at = now[0]
            if state == "FINISHED":
                result.finished = True
                break
            if state in {"FAILED", "CANCELED"}:
                result.note = (rest.exceptions(job_id) or ["failed"])[0].splitlines()[0]
                return result
            if state == "RESTARTING":  # a job that cannot start would restart forever
                result.note = (rest.exceptions(job_id) or ["restarting"])[0].splitlines()[0]
                rest.cancel(job_id)
                ensure_taskmanager(settings)
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
        first = marks.get("first", (time.monotonic(), sampler.used()))
        result.end_to_end_seconds = time.monotonic() - first[0]
        result.end_to_end_cpu_seconds = sampler.used() - first[1]
        return result
    finally:
        sampler.stopping.set()
