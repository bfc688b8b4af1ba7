"""Proof on the local stack: killing the TaskManager twice (SIGKILL) during a 200k-event run of
test-metrics loses no window and counts nothing twice.

The failure-free run and the crashed run read the same seeded stream from topics of their
own and write databases of their own. The crashed run's input arrives in thirds, and the
TaskManager is killed right after the second and the third are produced, while the job is
busy with them. Each time only the TaskManager is restarted; the JobManager keeps the job,
which restarts from its last completed checkpoint.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from argus_flink.ops.rest import FlinkRest
from argus_flink.ops.savepoints import take_savepoint
from argus_flink.stack.flink import FlinkCluster
from argus_flink.submit import flink_run
from ops.support import (
    Stream,
    create_topics,
    dead_letters,
    job_args,
    kill_taskmanager,
    last_checkpoint_id,
    metric_rows,
    produce,
    run_database,
    wait_for_job,
    wait_for_rows,
    wait_until,
    watch_recovery,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(3600)]
log = logging.getLogger(__name__)

EVENTS = 200_000


def submit(stack, settings, args: list[str]) -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ARGUS_POSTGRES_JDBC_URL", settings.postgres_jdbc_url)
        return flink_run(stack, "jobs.test_metrics", args)


@pytest.fixture
def rest(stack):
    with FlinkRest(stack.flink_rest_url) as client:
        yield client


def test_taskmanager_killed_twice_gives_the_failure_free_result(stack, rest):
    stream = Stream.generate(EVENTS, seed=11)
    cluster = FlinkCluster(stack)

    # The failure-free run, over the whole stream.
    reference = run_database(stack, "ops_crash_reference")
    create_topics(stack.kafka_bootstrap, "ops.crash.reference")
    produce(stack.kafka_bootstrap, "ops.crash.reference", stream.records)
    reference_job = submit(stack, reference, job_args("ops.crash.reference", stream))

    # The crashed run starts on the first third while the reference finishes; no kill before
    # that, since one TaskManager runs both.
    crashed = run_database(stack, "ops_crash")
    first, *later = stream.parts(3)
    create_topics(stack.kafka_bootstrap, "ops.crash")
    produce(stack.kafka_bootstrap, "ops.crash", first)
    job_id = submit(stack, crashed, job_args("ops.crash"))  # unbounded: see Stream.sentinels
    wait_for_job(rest, reference_job, "FINISHED", timeout=1500)
    expected = metric_rows(reference)
    assert len(expected) > 1000
    assert dead_letters(stack.kafka_bootstrap, "ops.crash.reference.dlq") == []

    recoveries = []
    try:
        for part in later:
            before = wait_until(lambda: last_checkpoint_id(rest, job_id),
                                "a completed checkpoint")
            produce(stack.kafka_bootstrap, "ops.crash", part)  # the job is busy when it dies
            killed_at = kill_taskmanager(cluster)
            assert cluster.start_taskmanager()  # what a supervisor (Kubernetes) would do
            recoveries.append(watch_recovery(rest, job_id, before, killed_at))
        produce(stack.kafka_bootstrap, "ops.crash", stream.later_sentinels(timedelta(hours=2)))

        wait_for_rows(crashed, expected, timeout=1500)
        restored = rest.checkpoints(job_id).restored
        assert restored is not None and not restored.is_savepoint
        # One failure per kill in the job's history: both kills hit it.
        assert len(rest.exceptions(job_id)) >= 2
        assert dead_letters(stack.kafka_bootstrap, "ops.crash.dlq") == []
        # The savepoint figure at this run's state size, while the job is still up.
        savepoint = take_savepoint(rest, "test-metrics")
        stats = rest.checkpoints(job_id).savepoint
    finally:
        rest.cancel(job_id)
    log.warning("crash recovery: %d events, %d windows; after each kill (s): %s; savepoint of "
                "%d bytes in %.1fs (Flink: %d ms)", EVENTS, len(expected),
                "; ".join(", ".join(f"{k} {v:.1f}" for k, v in r.items()) for r in recoveries),
                stats.state_size, savepoint.seconds, stats.duration_ms)
