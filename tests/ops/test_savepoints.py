"""Savepoint and stop commands: job lookup by name, target folder per job, clear failures."""

from __future__ import annotations

import pytest

from argus_flink.catalog import UnknownJobError
from argus_flink.ops.errors import JobNotRunningError, SavepointFailedError
from argus_flink.ops.savepoints import stop_with_savepoint, take_savepoint, wait_for_savepoint
from ops.fake_flink import JOB_ID, SAVEPOINT, FakeFlink, overview

CONFIG = [{"key": "execution.checkpointing.savepoint-dir",
           "value": "file:///tmp/argus/savepoints"}]


def cluster(*jobs: tuple[str, str, str]) -> FakeFlink:
    return (FakeFlink()
            .on("GET", "/jobs/overview", overview(*jobs))
            .on("GET", "/jobmanager/config", CONFIG)
            .on("POST", f"/jobs/{JOB_ID}/savepoints", {"request-id": "t1"})
            .on("POST", f"/jobs/{JOB_ID}/stop", {"request-id": "t1"})
            .on("GET", f"/jobs/{JOB_ID}/savepoints/t1", {"status": {"id": "IN_PROGRESS"}},
                {"status": {"id": "COMPLETED"}, "operation": {"location": SAVEPOINT}}))


def test_a_savepoint_goes_to_the_jobs_own_folder():
    fake = cluster((JOB_ID, "test-metrics", "RUNNING"), ("e" * 32, "test-metrics", "FINISHED"))
    result = take_savepoint(fake.client(), "test-metrics")
    assert (result.job_id, result.location, result.stopped) == (JOB_ID, SAVEPOINT, False)
    body = fake.requests[2][2]
    assert body["target-directory"] == "file:///tmp/argus/savepoints/test-metrics"
    assert body["formatType"] == "CANONICAL"


def test_a_configured_per_job_directory_is_used_as_it_is():
    fake = cluster((JOB_ID, "test-metrics", "RUNNING")).on("GET", "/jobmanager/config", [
        {"key": "execution.checkpointing.savepoint-dir",
         "value": "s3://argus-flink-prod/test-metrics/savepoints"}])
    take_savepoint(fake.client(), "test-metrics")
    target = fake.requests[2][2]["target-directory"]
    assert target == "s3://argus-flink-prod/test-metrics/savepoints"


def test_stop_keeps_open_windows_in_the_savepoint_unless_drained():
    fake = cluster((JOB_ID, "test-metrics", "RUNNING"))
    result = stop_with_savepoint(fake.client(), "test-metrics", target="file:///elsewhere")
    assert result.stopped and result.location == SAVEPOINT
    assert fake.requests[1] == ("POST", f"/jobs/{JOB_ID}/stop", {
        "drain": False, "formatType": "CANONICAL", "targetDirectory": "file:///elsewhere"})


def test_an_unknown_job_is_named_with_the_known_ones():
    with pytest.raises(UnknownJobError, match="unknown job 'test-metric'.*test-metrics"):
        take_savepoint(cluster().client(), "test-metric")


def test_a_job_that_is_not_running_says_what_is_and_how_to_start_it():
    fake = cluster(("f" * 32, "anomaly-flags", "RUNNING"), (JOB_ID, "test-metrics", "FINISHED"))
    with pytest.raises(JobNotRunningError,
                       match=r"test-metrics is not running .*running there: anomaly-flags\)"
                             r".*argus-flink submit test-metrics"):
        take_savepoint(fake.client(), "test-metrics")


def test_two_running_copies_are_refused():
    fake = cluster((JOB_ID, "test-metrics", "RUNNING"), ("f" * 32, "test-metrics", "RUNNING"))
    with pytest.raises(JobNotRunningError, match="2 jobs named 'test-metrics'"):
        stop_with_savepoint(fake.client(), "test-metrics")


def test_a_failed_savepoint_reports_its_deepest_cause():
    fake = cluster((JOB_ID, "test-metrics", "RUNNING")).on(
        "GET", f"/jobs/{JOB_ID}/savepoints/t1",
        {"status": {"id": "COMPLETED"}, "operation": {"failure-cause": {"stack-trace": (
            "java.util.concurrent.CompletionException: outer\n\tat x.y(Z.java:1)\n"
            "Caused by: org.apache.flink.runtime.checkpoint.CheckpointException: "
            "Checkpoint Coordinator is suspending.")}}})
    with pytest.raises(SavepointFailedError, match=r"savepoint of job .* failed: Caused by: "
                                                   r".*Coordinator is suspending"):
        take_savepoint(fake.client(), "test-metrics")


def test_a_slow_savepoint_times_out_with_where_to_look():
    fake = cluster((JOB_ID, "test-metrics", "RUNNING")).on(
        "GET", f"/jobs/{JOB_ID}/savepoints/t1", {"status": {"id": "IN_PROGRESS"}})
    with pytest.raises(SavepointFailedError, match=r"still running after 0s.*checkpoints"):
        wait_for_savepoint(fake.client(), JOB_ID, "t1", timeout=0, what="savepoint",
                           sleep=lambda s: None)


def test_a_savepoint_waits_for_a_job_whose_tasks_are_still_starting():
    starting = overview((JOB_ID, "test-metrics", "RUNNING"))
    starting["jobs"][0]["tasks"] = {"total": 3, "running": 1, "initializing": 2}
    fake = cluster().on("GET", "/jobs/overview", starting, starting,
                        overview((JOB_ID, "test-metrics", "RUNNING")))
    take_savepoint(fake.client(), "test-metrics")
    asked = [path for method, path, _ in fake.requests if method == "POST"]
    assert asked == [f"/jobs/{JOB_ID}/savepoints"]
    overviews = [path for method, path, _ in fake.requests if path == "/jobs/overview"]
    assert len(overviews) == 3  # triggered only once every task ran
