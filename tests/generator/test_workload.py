from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import timedelta

import pytest

from argus_flink.contracts import ParsedEvent, parse
from argus_flink.generator import Workload, WorkloadConfig, generate, parse_start
from argus_flink.generator.scenario import build_scenario
from argus_flink.settings import PROJECT_ROOT
from .scenarios import CLEAN

EXECUTED, FAILED = "argus.test.executed", "argus.test.failed"


def _digest(config: WorkloadConfig) -> str:
    digest = hashlib.sha256()
    for record in generate(config):
        digest.update(record.topic.encode() + b"\0" + (record.key or b"") + b"\0" + record.value)
        digest.update(record.event_time.isoformat().encode())
    return digest.hexdigest()


def test_same_seed_and_config_give_byte_identical_output():
    config = WorkloadConfig(events=4_000, bad_fraction=0.05, duplicate_fraction=0.05)

    assert _digest(config) == _digest(replace(config))


def test_different_seeds_give_different_output():
    first = _digest(WorkloadConfig(events=2_000, seed=1))

    assert first != _digest(WorkloadConfig(events=2_000, seed=2))


def test_events_bounds_the_record_count():
    assert sum(1 for _ in generate(WorkloadConfig(events=1_234))) == 1_234
    assert list(generate(WorkloadConfig(events=0))) == []


def test_event_time_starts_at_the_configured_start_not_the_wall_clock():
    start = parse_start("2030-01-01T06:00:00Z")
    records = list(generate(WorkloadConfig(events=500, start=start)))

    assert min(r.event_time for r in records) >= start
    assert max(r.event_time for r in records) < start + timedelta(hours=1)


def test_parse_start_reads_z_offsets_and_naive_values_as_utc():
    assert parse_start("2026-11-21T00:00:00Z") == parse_start("2026-11-21T01:00:00+01:00")
    assert parse_start("2026-11-21T00:00:00") == parse_start("2026-11-21T00:00:00Z")


def test_default_scenario_shape():
    scenario = build_scenario(CLEAN)

    assert len(scenario.orgs) == 3
    assert all(2 <= len(org.projects) <= 3 for org in scenario.orgs)
    assert all(len(project.tests) == 40 for project in scenario.projects)
    ids = [org.org_id for org in scenario.orgs] + [p.project_id for p in scenario.projects]
    assert all(uuid.UUID(value).version == 4 for value in ids)
    assert build_scenario(CLEAN).orgs[0].org_id == scenario.orgs[0].org_id
    names = [test.name for project in scenario.projects for test in project.tests]
    assert len(names) >= len(set(names)) > 0


def test_scale_reaches_a_few_thousand_tests():
    scenario = build_scenario(WorkloadConfig(scale=10))

    assert sum(len(project.tests) for project in scenario.projects) >= 2_400


def test_every_generated_record_is_a_valid_keyed_event(clean):
    records, _ = clean
    for record in records:
        result = parse(record.topic, record.value)
        assert isinstance(result, ParsedEvent), (record.topic, result.detail)
        assert record.key == result.event.org_id.encode()
        assert record.event_time == result.event.timestamp
        assert record.defect is None


def test_failures_are_also_published_on_the_failed_topic(clean):
    records, _ = clean
    executed = Counter(r.value for r in records if r.topic == EXECUTED)
    failed = [r.value for r in records if r.topic == FAILED]

    assert failed
    assert all(executed[value] == 1 for value in failed)
    failing_executed = [
        v for v in executed if json.loads(v)["status"] in ("failed", "error")
    ]
    assert Counter(failing_executed) == Counter(failed)


def test_results_are_mostly_passing_with_skips_and_flaky_marks(clean):
    records, manifest = clean
    results = [json.loads(r.value) for r in records if r.topic == EXECUTED]
    statuses = Counter(result["status"] for result in results)
    flaky_ids = {i.subject for i in manifest.incidents_of("flaky_test")}

    assert statuses["passed"] / len(results) > 0.85
    assert statuses["skipped"] > 0 and statuses["failed"] + statuses["error"] > 0
    marked = [result for result in results if result["is_flaky"]]
    assert marked and all(result["test_id"] in flaky_ids for result in marked)
    assert all(0.5 <= result["flaky_confidence"] <= 1 for result in marked)


def test_a_run_executes_many_tests_of_one_project_on_one_commit(clean):
    records, _ = clean
    runs = defaultdict(list)
    for record in records:
        if record.topic == EXECUTED:
            result = json.loads(record.value)
            runs[result["run_id"]].append(result)

    complete = [results for results in runs.values() if len(results) == 40]
    assert len(complete) >= 0.9 * len(runs)  # only runs cut off by --events are partial
    for results in runs.values():
        assert len({(r["project_id"], r["commit_sha"], r["correlation_id"]) for r in results}) == 1
        times = sorted(r["timestamp"] for r in results)
        assert parse_start(times[-1]) - parse_start(times[0]) < timedelta(minutes=5)


_VARIABLE = re.compile(
    r"0x[0-9a-f]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|\d{4}-\d\d-\d\dT[\d:.]+Z|[0-9a-f]{32}|\b[a-z]{3}_[0-9a-f]{8}\b|\d+"
)


def test_a_test_failing_for_one_cause_repeats_the_same_message_shape(clean):
    records, _ = clean
    shapes = defaultdict(set)
    messages = defaultdict(set)
    for record in records:
        if record.topic == FAILED:
            result = json.loads(record.value)
            cause = result["error_message"].split(":", 1)[0]
            shapes[(result["test_id"], cause)].add(_VARIABLE.sub("#", result["error_message"]))
            messages[(result["test_id"], cause)].add(result["error_message"])

    repeated = [key for key, seen in messages.items() if len(seen) > 1]
    assert repeated, "some test should fail more than once for one cause"
    assert all(len(shapes[key]) == 1 for key in shapes)


def test_error_reports_look_like_sentry_events(clean):
    records, manifest = clean
    coverage = manifest.coverage
    errors = [json.loads(r.value) for r in records if r.topic == "argus.error.reported"]

    assert errors
    for error in errors:
        assert error["source"] == "sentry"
        assert set(error["exception"]) == {"type", "value", "stacktrace"}
        assert error["title"].startswith(error["exception"]["type"])
        for test_id in error["related_test_ids"]:
            assert set(error["affected_files"]) & set(coverage[test_id])


def test_commits_change_files_that_tests_cover(clean):
    records, manifest = clean
    covered = {path for paths in manifest.coverage.values() for path in paths}
    project_files = {
        p.project_id: set(p.source_files) | {t.file_path for t in p.tests}
        for org in manifest.orgs
        for p in org.projects
    }
    commits = [json.loads(r.value) for r in records if r.topic == "argus.codebase.ingested"]

    assert commits
    for commit in commits:
        paths = {change["path"] for change in commit["files_changed"]}
        assert paths <= project_files[commit["project_id"]]
        assert paths & covered


def test_the_manifest_needs_the_records_to_be_consumed_first():
    workload = Workload(WorkloadConfig(events=10))

    with pytest.raises(RuntimeError):
        workload.manifest()
    list(workload.records())
    assert workload.manifest().records.total == 10


_DIGEST_SCRIPT = """
import hashlib
from argus_flink.generator import Workload, WorkloadConfig
workload = Workload(WorkloadConfig(events=2_000, bad_fraction=0.05, duplicate_fraction=0.05))
digest = hashlib.sha256()
for record in workload.records():
    digest.update(record.topic.encode() + (record.key or b"") + record.value)
digest.update(workload.manifest().model_dump_json().encode())
print(digest.hexdigest())
"""


def test_output_does_not_depend_on_the_process_hash_seed():
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _DIGEST_SCRIPT],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            stdout=subprocess.PIPE,
            text=True,
            cwd=PROJECT_ROOT,
        )
        for hash_seed in ("1", "2")
    ]
    digests = [run.communicate(timeout=120)[0].strip() for run in runs]

    assert all(run.returncode == 0 for run in runs)
    assert digests[0] == digests[1] != ""
