"""`argus-flink sql run` submits a SQL script to the real cluster, and its job writes a topic."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest
from confluent_kafka.admin import NewTopic

from argus_flink.kafka_io import read_topic
from argus_flink.settings import PROJECT_ROOT
from argus_flink.stack.broker import admin_client
from argus_flink.templating import render

pytestmark = pytest.mark.integration

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "trivial_to_topic.sql"


def wait_for_job(rest_url: str, job_id: str, state: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    job: dict = {}
    while time.monotonic() < deadline:
        job = httpx.get(f"{rest_url}/jobs/{job_id}", timeout=5).json()
        if job.get("state") == state:
            return job
        if job.get("state") in {"FAILED", "CANCELED"}:
            break
        time.sleep(1)
    raise AssertionError(f"job {job_id} is {job.get('state')}, expected {state}")


def test_trivial_sql_job_runs_on_the_cluster_and_writes_a_topic(stack, tmp_path):
    topic = "argus.smoke"
    admin = admin_client(stack.kafka_bootstrap)  # keep the client alive until the future resolves
    admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(10)
    script = tmp_path / "smoke.sql"
    script.write_text(render(FIXTURE.read_text(), {
        "TOPIC": topic, "KAFKA_BOOTSTRAP": stack.kafka_bootstrap}))

    out = subprocess.run([sys.executable, "-m", "argus_flink", "sql", "run", str(script),
                          "--name", "smoke-test"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    job_id = out.stdout.split()[-1]

    job = wait_for_job(stack.flink_rest_url, job_id, "FINISHED")
    assert job["name"] == "smoke-test"
    values = sorted(json.loads(m.value)["n"] for m in
                    read_topic(stack.kafka_bootstrap, topic, min_records=10, timeout=30))
    assert values == list(range(1, 11))


def test_sql_run_reports_the_failing_statement_with_its_line(stack, tmp_path):
    script = tmp_path / "broken.sql"
    script.write_text("SET 'parallelism.default' = '1';\n\nSELECT * FROM no_such_table;\n")
    out = subprocess.run([sys.executable, "-m", "argus_flink", "sql", "run", str(script)],
                         capture_output=True, text=True)
    assert out.returncode == 1
    assert f"{script}:3:" in out.stderr
    assert "no_such_table" in out.stderr
