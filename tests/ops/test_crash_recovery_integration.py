"""Proof on the local stack: killing the TaskManager twice (SIGKILL) during a 200k-event run of
test-metrics loses no window and counts nothing twice.

The failure-free run and the crashed run read the same seeded stream from topics of their
own and write databases of their own. The crashed run's input arrives in thirds: the
TaskManager is killed after each of the first two, while the rest is still to come, so both
kills land mid-run. Each time only the TaskManager is restarted; the JobManager keeps the
job, which restarts from its last completed checkpoint.
"""

from __future__ import annotations

import logging
import os
import signal
import time

import pytest

from argus_flink.ops.rest import FlinkRest
from argus_flink.stack.flink import FlinkCluster
from argus_flink.stack.process import read_pid
from argus_flink.submit import flink_run
from ops.support import (
    Stream,
    create_topics,
    job_args,
    metric_rows,
    produce,
    run_database,
    wait_for_job,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]
log = logging.getLogger(__name__)

EVENTS = 200_000


def submit(stack, settings, topic: str, stream: Stream) -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ARGUS_POSTGRES_JDBC_URL", settings.postgres_jdbc_url)
        return flink_run(stack, "jobs.test_metrics", job_args(topic, stream))


def last_checkpoint_id(rest: FlinkRest, job_id: str) -> int:
    completed = rest.checkpoints(job_id).completed
    return completed.id if completed else 0


def kill_taskmanager(cluster: FlinkCluster) -> int:
    pid = read_pid(cluster.pid_dir / "taskmanager.pid")
    assert pid is not None, "no TaskManager pid file"
    os.kill(pid, signal.SIGKILL)
    return pid


def test_taskmanager_killed_twice_gives_the_failure_free_result(stack):
    stream = Stream.generate(EVENTS, seed=11)
    rest = FlinkRest(stack.flink_rest_url)
    cluster = FlinkCluster(stack)

    # The failure-free run, over the whole stream.
    reference = run_database(stack, "ops_crash_reference")
    create_topics(stack.kafka_bootstrap, "ops.crash.reference")
    produce(stack.kafka_bootstrap, "ops.crash.reference", stream.values)
    reference_job = submit(stack, reference, "ops.crash.reference", stream)

    # The crashed run starts on the first third while the reference finishes; no kill before
    # that, since one TaskManager runs both.
    crashed = run_database(stack, "ops_crash")
    first, *later = stream.parts(3)
    create_topics(stack.kafka_bootstrap, "ops.crash")
    produce(stack.kafka_bootstrap, "ops.crash", first)
    job_id = submit(stack, crashed, "ops.crash", stream)
    wait_for_job(rest, reference_job, "FINISHED", timeout=900)

    recoveries = []
    for part in later:
        before = wait_until(lambda: last_checkpoint_id(rest, job_id), "a completed checkpoint")
        kill_taskmanager(cluster)
        killed_at = time.time()
        produce(stack.kafka_bootstrap, "ops.crash", part)
        assert cluster.start_taskmanager()
        # Recovered: the job runs again and completes a checkpoint of its own after the kill.
        wait_until(lambda: (checkpoint := rest.checkpoints(job_id).completed) is not None
                   and checkpoint.id > before and checkpoint.completed_at.timestamp() > killed_at,
                   "the first checkpoint after the restart", timeout=600, poll=0.5)
        recoveries.append(time.time() - killed_at)

    wait_for_job(rest, job_id, "FINISHED", timeout=900)
    restored = rest.checkpoints(job_id).restored
    assert restored is not None and not restored.is_savepoint
    assert int(rest.job_metric(job_id, "numRestarts") or 0) >= 2

    expected = metric_rows(reference)
    assert len(expected) > 1000
    assert metric_rows(crashed) == expected
    log.warning("crash recovery: %d events, %d windows; kill -> first new checkpoint: %s s",
                EVENTS, len(expected), ", ".join(f"{s:.1f}" for s in recoveries))
