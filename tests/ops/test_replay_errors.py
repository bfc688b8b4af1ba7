"""Replay's clear errors, without a cluster: which savepoint, and why a restore cannot work."""

from __future__ import annotations

from pathlib import Path

import pytest

from argus_flink.ops.catalog_local import LocalSavepointCatalog
from argus_flink.ops.errors import IncompatibleSavepointError, NoSavepointError, OpsError
from argus_flink.ops.replay import (
    explain_restore_failure,
    replay,
    resolve_savepoint,
    wait_until_running,
)
from argus_flink.settings import StackSettings
from ops.fake_flink import JOB_ID, FakeFlink, overview
from ops.test_metadata import metadata

OPERATOR = "046170e75662167a096270edeabee506"
# As Flink 2.0.2 words it (captured from the local cluster).
UNMAPPED = (
    "Caused by: java.lang.IllegalStateException: Failed to rollback to checkpoint/savepoint "
    "file:/sp/savepoint-aba886-6eef7db8eae0. Cannot map checkpoint/savepoint state for operator "
    f"{OPERATOR} to the new program, because the operator is not available in the new program. "
    "If you want to allow to skip this, you can set the --allowNonRestoredState option on the CLI.")
SERIALIZER = (
    "java.lang.RuntimeException: Error while getting state\n"
    "Caused by: org.apache.flink.util.StateMigrationException: The new state serializer "
    "(org.apache.flink.table.runtime.typeutils.RowDataSerializer@5a1c) must not be incompatible "
    "with the old state serializer (org.apache.flink.table.runtime.typeutils.RowDataSerializer@2b).")


@pytest.fixture
def savepoints(tmp_path: Path) -> LocalSavepointCatalog:
    for name, checkpoint_id in (("savepoint-aaaaaa-000000000001", 4),
                                ("savepoint-aaaaaa-000000000002", 9)):
        directory = tmp_path / "test-metrics" / name
        directory.mkdir(parents=True)
        (directory / "_metadata").write_bytes(
            metadata(checkpoint_id, [("WindowDeduplicate[6]", "", OPERATOR)]))
    return LocalSavepointCatalog(tmp_path)


def test_latest_is_the_jobs_newest_savepoint(savepoints):
    newest = savepoints.list("test-metrics")[0].location
    assert resolve_savepoint("latest", "test-metrics", savepoints) == newest


def test_no_savepoint_yet_says_how_to_take_one(savepoints):
    with pytest.raises(NoSavepointError, match=r"no savepoint of anomaly-flags yet in .*"
                                               r"argus-flink savepoint anomaly-flags"):
        resolve_savepoint("latest", "anomaly-flags", savepoints)


def test_a_path_must_hold_a_savepoint(savepoints, tmp_path):
    directory = savepoints.list()[0].location
    assert resolve_savepoint(directory + "/_metadata", "test-metrics", savepoints) == directory
    with pytest.raises(NoSavepointError, match=r"_metadata does not exist.*savepoints list"):
        resolve_savepoint(str(tmp_path / "nothing"), "test-metrics", savepoints)


def test_s3_paths_are_for_kubernetes(savepoints):
    with pytest.raises(OpsError, match="no S3 filesystem plugin.*argus-flink k8s replay"):
        resolve_savepoint("s3://bucket/test-metrics/savepoints/savepoint-1", "test-metrics",
                          savepoints)


def test_unmapped_state_names_the_operator_and_both_ways_out(savepoints):
    savepoint = savepoints.list()[0].location
    error = explain_restore_failure(UNMAPPED, savepoint, "test-metrics")
    assert isinstance(error, IncompatibleSavepointError)
    text = str(error)
    assert f"operator {OPERATOR} (WindowDeduplicate[6]) maps to no operator" in text
    assert "--allow-non-restored-state" in text and "state-compatible" in text


def test_a_changed_state_type_is_incompatible_too():
    error = explain_restore_failure(SERIALIZER, "file:///sp", "test-metrics")
    assert isinstance(error, IncompatibleSavepointError)
    assert "--allow-non-restored-state does not help" in str(error)


def test_other_failures_are_not_mistaken_for_incompatibility():
    refused = "Caused by: java.net.ConnectException: Connection refused"
    assert explain_restore_failure(refused, "file:///sp", "test-metrics") is None


def job(state: str, **subtasks: int) -> dict:
    """``GET /jobs/:id`` with one vertex of three subtasks in the given states."""
    return {"jid": JOB_ID, "state": state, "start-time": 0,
            "vertices": [{"name": "Source: argus_test_executed[1]", "parallelism": 3,
                          "status": "RUNNING" if subtasks.get("RUNNING") else state,
                          "tasks": {"RUNNING": 0, "INITIALIZING": 0, **subtasks}}]}


def test_waits_until_every_task_runs():
    fake = FakeFlink().on("GET", f"/jobs/{JOB_ID}", job("INITIALIZING", INITIALIZING=3),
                          job("RUNNING", RUNNING=1, INITIALIZING=2), job("RUNNING", RUNNING=3))
    wait_until_running(fake.client(), JOB_ID, "file:///sp", "test-metrics", timeout=30, poll=0)
    assert fake.calls[("GET", f"/jobs/{JOB_ID}")] == 3


def test_a_restore_that_keeps_failing_on_state_types_is_cancelled_and_explained():
    fake = (FakeFlink()
            .on("GET", f"/jobs/{JOB_ID}", job("RESTARTING"))
            .on("GET", f"/jobs/{JOB_ID}/exceptions", {"exceptionHistory": {
                "entries": [{"stacktrace": SERIALIZER}], "truncated": False}})
            .on("PATCH", f"/jobs/{JOB_ID}", {}))
    with pytest.raises(IncompatibleSavepointError, match="different type"):
        wait_until_running(fake.client(), JOB_ID, "file:///sp", "test-metrics", timeout=30,
                           poll=0)
    assert ("PATCH", f"/jobs/{JOB_ID}") in fake.calls


def test_replay_refuses_to_start_a_second_copy(tmp_path, savepoints):
    fake = FakeFlink().on("GET", "/jobs/overview", overview((JOB_ID, "test-metrics", "RUNNING")))
    with pytest.raises(OpsError, match=r"already running as job .*argus-flink stop test-metrics"):
        replay(StackSettings(home=tmp_path), fake.client(), "test-metrics", "latest",
               catalog=savepoints, module="jobs.test_metrics")
