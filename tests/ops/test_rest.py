"""The REST client parses Flink 2.0.2's answers and turns transport failures into clear errors."""

from __future__ import annotations

import socket

import httpx
import pytest

from argus_flink.ops.errors import ClusterDownError, FlinkRestError
from argus_flink.ops.rest import FlinkRest
from ops.fake_flink import (
    JOB_ID,
    SAVEPOINT,
    FakeFlink,
    checkpoint_entry,
    checkpoints,
    overview,
)


def test_jobs_are_typed_and_active_means_still_holding_slots():
    fake = FakeFlink().on("GET", "/jobs/overview", overview(
        (JOB_ID, "test-metrics", "RUNNING"), ("f" * 32, "smoke", "FINISHED")))
    jobs = fake.client().jobs()
    assert [(j.name, j.state, j.active) for j in jobs] == [
        ("test-metrics", "RUNNING", True), ("smoke", "FINISHED", False)]
    assert jobs[0].start_time.year == 2026


def test_checkpoint_summary_separates_checkpoints_savepoints_and_the_restore():
    restored = {"id": 26, "restore_timestamp": 1795309730524, "is_savepoint": True,
                "external_path": SAVEPOINT}
    fake = FakeFlink().on("GET", f"/jobs/{JOB_ID}/checkpoints", checkpoints(
        completed=checkpoint_entry(30, "file:/tmp/chk-30"),
        savepoint=checkpoint_entry(27, SAVEPOINT, savepoint=True), restored=restored))
    summary = fake.client().checkpoints(JOB_ID)
    assert (summary.completed.id, summary.completed.path, summary.completed.is_savepoint) == (
        30, "file:/tmp/chk-30", False)
    assert (summary.savepoint.id, summary.savepoint.state_size) == (27, 219183)
    assert (summary.restored.id, summary.restored.path, summary.restored.is_savepoint) == (
        26, SAVEPOINT, True)
    assert summary.completed_count == 3


def test_a_job_without_checkpoints_has_none():
    fake = FakeFlink().on("GET", f"/jobs/{JOB_ID}/checkpoints", checkpoints())
    summary = fake.client().checkpoints(JOB_ID)
    assert (summary.completed, summary.savepoint, summary.restored) == (None, None, None)


def test_savepoint_operations_report_progress_location_and_failure():
    path = f"/jobs/{JOB_ID}/savepoints/t1"
    fake = FakeFlink().on("GET", path, {"status": {"id": "IN_PROGRESS"}},
                          {"status": {"id": "COMPLETED"}, "operation": {"location": SAVEPOINT}})
    rest = fake.client()
    assert rest.savepoint_status(JOB_ID, "t1").done is False
    assert rest.savepoint_status(JOB_ID, "t1").location == SAVEPOINT
    fake.on("GET", path, {"status": {"id": "COMPLETED"}, "operation": {"failure-cause": {
        "class": "java.util.concurrent.CompletionException",
        "stack-trace": "java.util.concurrent.CompletionException: x\nCaused by: boom"}}})
    failed = rest.savepoint_status(JOB_ID, "t1")
    assert failed.done and failed.location is None and "Caused by: boom" in failed.failure


def test_trigger_and_stop_send_the_documented_bodies():
    fake = (FakeFlink()
            .on("POST", f"/jobs/{JOB_ID}/savepoints", {"request-id": "t1"})
            .on("POST", f"/jobs/{JOB_ID}/stop", {"request-id": "t2"}))
    rest = fake.client()
    assert rest.trigger_savepoint(JOB_ID, "file:///sp/test-metrics") == "t1"
    assert rest.stop_with_savepoint(JOB_ID, None, drain=False) == "t2"
    assert fake.requests == [
        ("POST", f"/jobs/{JOB_ID}/savepoints", {"cancel-job": False, "formatType": "CANONICAL",
                                                 "target-directory": "file:///sp/test-metrics"}),
        ("POST", f"/jobs/{JOB_ID}/stop", {"drain": False, "formatType": "CANONICAL"}),
    ]


def test_exceptions_come_newest_first_from_the_history():
    fake = FakeFlink().on("GET", f"/jobs/{JOB_ID}/exceptions", {"exceptionHistory": {
        "entries": [{"stacktrace": "second"}, {"stacktrace": "first"}], "truncated": False}})
    assert fake.client().exceptions(JOB_ID) == ["second", "first"]


def test_flink_refusals_keep_flinks_own_reason():
    rest = FakeFlink().client()
    with pytest.raises(FlinkRestError, match="HTTP 404 Not found: /jobs/nope"):
        rest.job("nope")


def test_busy_answers_are_retried():
    fake = FakeFlink().on("GET", "/jobs/overview", (503, {"errors": ["busy"]}), overview())
    assert fake.client().jobs() == []
    assert fake.calls[("GET", "/jobs/overview")] == 2


def test_a_cluster_that_does_not_answer_is_reported_as_down():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    expected = f"no Flink cluster answers at http://127.0.0.1:{port}.*argus-flink up"
    with pytest.raises(ClusterDownError, match=expected):
        FlinkRest(f"http://127.0.0.1:{port}", timeout=1).jobs()


def test_timeouts_become_cluster_down_too():
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(ClusterDownError, match="ReadTimeout"):
        FlinkRest("http://flink.test", transport=httpx.MockTransport(slow)).jobs()
