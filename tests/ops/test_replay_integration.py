"""Proofs on the local stack: a replay from a savepoint equals an uninterrupted run, and a
bug-fix replay changes only the windows after the savepoint.

One seeded stream of argus.test.executed is produced whole for the reference run, and in two
halves around a stop-with-savepoint for the runs under test. Each run has its own topics and
its own PostgreSQL database, so results compare row for row (``updated_at`` aside, the wall
clock of the write).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from argus_flink.ops.errors import IncompatibleSavepointError
from argus_flink.ops.replay import replay
from argus_flink.ops.rest import FlinkRest
from argus_flink.ops.savepoint_catalog import canonical_location
from argus_flink.ops.savepoints import stop_with_savepoint
from argus_flink.sql.render import SQL_DIR
from argus_flink.submit import flink_run
import jobs.test_metrics as test_metrics_job
from ops.support import (
    METRIC_COLUMNS,
    Stream,
    create_topics,
    dead_letters,
    insight_ids,
    job_args,
    metric_rows,
    produce,
    run_database,
    wait_for_job,
    wait_for_rows,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(3600)]
log = logging.getLogger(__name__)

JOB = "test-metrics"
EVENTS = 6_000


@pytest.fixture(scope="module")
def stream() -> Stream:
    return Stream.generate(EVENTS, seed=8)


@pytest.fixture(scope="module")
def rest(stack):
    with FlinkRest(stack.flink_rest_url) as client:
        yield client


@pytest.fixture
def job_env(monkeypatch):
    """Point the job (whose client runs in a subprocess) at a run's own database."""

    def use(settings):
        monkeypatch.setenv("ARGUS_POSTGRES_JDBC_URL", settings.postgres_jdbc_url)
        return {**os.environ}

    return use


@pytest.fixture(scope="module")
def reference(stack, rest, stream):
    """The uninterrupted run: the whole stream, one job, to the end."""
    settings = run_database(stack, "ops_reference")
    topic = "ops.reference"
    create_topics(stack.kafka_bootstrap, topic)
    produce(stack.kafka_bootstrap, topic, stream.records)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ARGUS_POSTGRES_JDBC_URL", settings.postgres_jdbc_url)
        job_id = flink_run(stack, "jobs.test_metrics", job_args(topic, stream))
    wait_for_job(rest, job_id, "FINISHED")
    rows = metric_rows(settings)
    assert len(rows) > 50, "the reference run wrote too few windows to prove anything"
    # No event was late: the output depends on the input only, not on timing.
    assert dead_letters(stack.kafka_bootstrap, f"{topic}.dlq") == []
    return rows, insight_ids(stack.kafka_bootstrap, f"{topic}.insights")


def ops(*args: str, env: dict[str, str]) -> str:
    """The operations commands as a user runs them; returns stdout, fails on exit code."""
    out = subprocess.run([sys.executable, "-m", "argus_flink.ops", *args], capture_output=True,
                         text=True, env=env, timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def status_job(env: dict[str, str], job_id: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "argus_flink", "status", "--json"],
                         capture_output=True, text=True, env=env, timeout=120)
    return next(j for j in json.loads(out.stdout)["jobs"] if j["id"] == job_id)


def some_windows_written(settings, minimum: int = 5):
    return len(metric_rows(settings)) >= minimum


def test_replay_from_a_stop_savepoint_equals_an_uninterrupted_run(stack, rest, stream, reference,
                                                                  job_env):
    expected_rows, expected_ids = reference
    settings = run_database(stack, "ops_replay")
    env = job_env(settings)
    topic = "ops.replay"
    first_half, second_half = stream.parts(2)
    create_topics(stack.kafka_bootstrap, topic)
    produce(stack.kafka_bootstrap, topic, first_half)
    job_id = flink_run(stack, "jobs.test_metrics", job_args(topic))
    wait_until(lambda: some_windows_written(settings), "windows of the first half")

    # A savepoint while running, then the status shows it next to the last checkpoint.
    savepoint = ops("savepoint", JOB, env=env).split()[-1]
    shown = status_job(env, job_id)
    assert shown["last_savepoint"]["path"] == savepoint
    assert shown["last_checkpoint"]["id"] >= 1

    stopped = ops("stop", JOB, "--savepoint", env=env)
    stop_savepoint = stopped.split()[-1]
    wait_for_job(rest, job_id, "FINISHED")
    rows_at_stop = metric_rows(settings)
    listed = json.loads(ops("savepoints", "list", JOB, "--json", env=env))
    assert [e["location"] for e in listed[:2]] == [canonical_location(stop_savepoint),
                                                   canonical_location(savepoint)]

    produce(stack.kafka_bootstrap, topic, second_half)
    replayed = ops("replay", JOB, "--from", "latest", "--", *job_args(topic), env=env)
    replay_id = replayed.split()[-1]
    try:
        assert 0 < len(rows_at_stop) < len(expected_rows)
        wait_for_rows(settings, expected_rows)
        wait_until(lambda: insight_ids(stack.kafka_bootstrap, f"{topic}.insights")
                   == expected_ids, "the same insight ids as the uninterrupted run", timeout=120)
        assert dead_letters(stack.kafka_bootstrap, f"{topic}.dlq") == []
    finally:
        rest.cancel(replay_id)
    figures = re.search(r"submitted in ([\d.]+)s, state restored and running ([\d.]+)s",
                        " ".join(replayed.split()))
    stop_seconds = re.search(r"with a savepoint in ([\d.]+)s", " ".join(stopped.split()))
    log.warning("replay equivalence: %d windows; stop-with-savepoint %ss; replay submit %ss, "
                "restore %ss", len(expected_rows), stop_seconds.group(1), figures.group(1),
                figures.group(2))


# --- bug-fix replay -------------------------------------------------------------------------

PASS_RATE = ("CAST(COUNT(*) FILTER (WHERE `status` = 'passed') AS DOUBLE)\n"
             "        / NULLIF(COUNT(*) FILTER (WHERE `status` <> 'skipped'), 0) AS pass_rate")
DEDUPED_INPUT = "FROM test_executed_once\nGROUP BY"
RAW_INPUT = ("FROM TABLE(TUMBLE(TABLE test_executed_counted, DESCRIPTOR(event_time),\n"
             "    INTERVAL '${WINDOW_MINUTES}' MINUTE))\nGROUP BY")


def sql_variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of sql/ with one edit to the test-metrics windows, as a user would make it."""
    sql_dir = tmp_path / name
    shutil.copytree(SQL_DIR, sql_dir)
    windows = next((sql_dir / "test_metrics").glob("*_windows.sql"))
    text = windows.read_text()
    assert text.count(old) == 1, f"{old!r} is no longer in {windows.name}"
    windows.write_text(text.replace(old, new))
    return sql_dir


def script(tmp_path: Path, name: str, args: list[str], sql_dir: Path = SQL_DIR) -> list[str]:
    """The job as one SQL script for the runner: the same statements `submit` executes."""
    rendered = test_metrics_job.render_sql(test_metrics_job.parse_config(args), sql_dir=sql_dir)
    path = tmp_path / f"{name}.sql"
    path.write_text(rendered.text)
    return [str(path)]


def in_percent(row: tuple) -> tuple:
    """A reference row as the fixed SQL computes it: 100 * passed / (total - skipped), the
    same IEEE double operations in the same order as the job's."""
    columns = dict(zip(METRIC_COLUMNS, row))
    counted = columns["total"] - columns["skipped"]
    columns["pass_rate"] = (100 * float(columns["passed"])) / counted if counted else None
    return tuple(columns.values())


def test_bug_fix_replay_changes_only_windows_after_the_savepoint(stack, rest, stream, reference,
                                                                 job_env, tmp_path):
    expected_rows, _ = reference
    settings = run_database(stack, "ops_bugfix")
    job_env(settings)
    topic = "ops.bugfix"
    args = job_args(topic)
    first_half, second_half = stream.parts(2)
    create_topics(stack.kafka_bootstrap, topic)
    produce(stack.kafka_bootstrap, topic, first_half)
    job_id = flink_run(stack, "argus_flink.sql.runner", script(tmp_path, "original", args))
    wait_until(lambda: some_windows_written(settings), "windows of the first half")
    savepoint = stop_with_savepoint(rest, JOB).location
    wait_for_job(rest, job_id, "FINISHED")
    rows_at_stop = metric_rows(settings)
    produce(stack.kafka_bootstrap, topic, second_half)

    # Incompatible: counting re-deliveries drops the window deduplication and its state.
    counts_redeliveries = sql_variant(tmp_path, "no-dedupe", DEDUPED_INPUT, RAW_INPUT)
    with pytest.raises(IncompatibleSavepointError) as incompatible:
        replay(stack, rest, JOB, savepoint, module="argus_flink.sql.runner",
               job_args=script(tmp_path, "no-dedupe", args, counts_redeliveries))
    message = str(incompatible.value)
    assert "maps to no operator of the new program" in message
    assert "--allow-non-restored-state" in message and "state-compatible" in message

    # Compatible: pass_rate in percent is computed from the same aggregates.
    percent = sql_variant(tmp_path, "percent", PASS_RATE, "100 * " + PASS_RATE)
    result = replay(stack, rest, JOB, savepoint, module="argus_flink.sql.runner",
                    job_args=script(tmp_path, "percent", args, percent))
    # Windows written before the savepoint keep the old definition; every later one has the
    # new pass_rate, and the counts of the uninterrupted run, including windows open across
    # the savepoint: the job kept its state.
    expected = {key: row if key in rows_at_stop else in_percent(row)
                for key, row in expected_rows.items()}
    try:
        wait_for_rows(settings, expected)
    finally:
        rest.cancel(result.job_id)
    changed = [key for key in expected if key not in rows_at_stop]
    assert rows_at_stop and changed
    assert any(expected[key] != expected_rows[key] for key in changed)
    log.warning("bug-fix replay: %d windows before the savepoint, %d after; restore %.1fs",
                len(rows_at_stop), len(changed), result.restore_seconds)
