"""`status --json` keeps its keys and adds each running job's last checkpoint and savepoint."""

from __future__ import annotations

from argus_flink.settings import StackSettings
from argus_flink.stack.stack import running_jobs
from ops.fake_flink import JOB_ID, FakeFlink, checkpoint_entry, checkpoints, overview

FINISHED = "f" * 32


def test_running_jobs_carry_their_last_checkpoint_and_savepoint(tmp_path):
    fake = (FakeFlink()
            .on("GET", "/jobs/overview", overview((JOB_ID, "test-metrics", "RUNNING"),
                                                  (FINISHED, "smoke", "FINISHED")))
            .on("GET", f"/jobs/{JOB_ID}/checkpoints", checkpoints(
                completed=checkpoint_entry(30, "file:/chk-30"),
                savepoint=checkpoint_entry(27, "file:/sp/savepoint-1", savepoint=True))))
    with fake.serve() as flink:
        jobs = running_jobs(StackSettings(home=tmp_path, flink_rest_port=flink.port))
    running, finished = jobs
    assert {"id", "name", "state", "start_time"} <= running.keys()
    assert running["last_checkpoint"] == {
        "id": 30, "path": "file:/chk-30", "completed_at": "2026-11-22T01:07:07.050000+00:00",
        "state_size_bytes": 219183, "duration_ms": 497}
    assert running["last_savepoint"]["path"] == "file:/sp/savepoint-1"
    assert (finished["last_checkpoint"], finished["last_savepoint"]) == (None, None)
    assert ("GET", f"/jobs/{FINISHED}/checkpoints") not in fake.calls
