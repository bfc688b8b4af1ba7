from __future__ import annotations

import json
import statistics
from datetime import timedelta

from argus_flink.contracts import AnomalyKind
from argus_flink.generator import load_manifest, parse_start, write_manifest
from argus_flink.generator.scenario import Behaviour, build_scenario
from .scenarios import CLEAN


def _results(records):
    return [json.loads(r.value) for r in records if r.topic == "argus.test.executed"]


def test_every_incident_kind_is_recorded_inside_the_generated_span(clean):
    _, manifest = clean
    kinds = {incident.kind for incident in manifest.incidents}

    assert kinds == set(AnomalyKind)
    for incident in manifest.incidents:
        assert manifest.start <= incident.start <= incident.end <= manifest.end
    for kind in ("failure_rate_spike", "duration_regression", "error_burst"):
        assert len(manifest.incidents_of(kind)) == 1


def test_failure_rate_spike_fails_many_tests_of_its_project(clean):
    records, manifest = clean
    (spike,) = manifest.incidents_of("failure_rate_spike")
    inside, outside = [], []
    for result in _results(records):
        if result["project_id"] != spike.project_id or result["status"] == "skipped":
            continue
        failed = result["status"] in ("failed", "error")
        during = spike.start <= parse_start(result["timestamp"]) <= spike.end
        (inside if during else outside).append(failed)

    assert spike.subject == spike.project_id
    assert sum(inside) / len(inside) > 0.4
    assert sum(outside) / len(outside) < 0.1
    assert len(spike.details["commit_sha"]) == 40  # the deploy that broke it


def test_duration_regression_triples_one_tests_duration(clean):
    records, manifest = clean
    (regression,) = manifest.incidents_of("duration_regression")
    before, after = [], []
    for result in _results(records):
        if result["test_id"] == regression.subject and result["status"] == "passed":
            regressed = parse_start(result["timestamp"]) >= regression.start
            (after if regressed else before).append(result["duration_ms"])

    assert before and after
    ratio = statistics.median(after) / statistics.median(before)
    assert 2.5 < ratio < 3.5


def test_error_burst_is_many_reports_of_one_project_in_minutes(clean):
    records, manifest = clean
    (burst,) = manifest.incidents_of("error_burst")
    errors = [
        json.loads(r.value)
        for r in records
        if r.topic == "argus.error.reported" and burst.start <= r.event_time <= burst.end
    ]
    in_project = [e for e in errors if e["project_id"] == burst.project_id]

    assert burst.end - burst.start <= timedelta(minutes=2)
    assert len(in_project) >= burst.details["errors"] == 40
    assert len({e["title"].split(":")[0] for e in in_project}) == 1


def test_flaky_tests_flip_on_the_same_commit(clean):
    records, manifest = clean
    flaky = {incident.subject for incident in manifest.incidents_of("flaky_test")}
    scenario = build_scenario(CLEAN)
    truly_flaky = {
        test.test_id
        for project in scenario.projects
        for test in project.tests
        if test.behaviour is Behaviour.FLAKY
    }
    outcomes: dict[tuple[str, str], set[str]] = {}
    for result in _results(records):
        key = (result["test_id"], result["commit_sha"])
        outcomes.setdefault(key, set()).add(result["status"])

    assert flaky == truly_flaky
    flipping = {test_id for (test_id, _), seen in outcomes.items() if {"passed", "failed"} <= seen}
    assert len(flipping & flaky) >= len(flaky) // 2


def test_manifest_counts_match_the_records(noisy):
    records, manifest = noisy

    assert manifest.records.total == len(records) == sum(manifest.records.by_topic.values())
    assert manifest.max_out_of_orderness_ms == 10_000
    assert manifest.start == min(r.event_time for r in records)
    assert manifest.end == max(r.event_time for r in records)


def test_manifest_keeps_a_stable_coverage_map(clean):
    _, manifest = clean
    tests = [t for org in manifest.orgs for p in org.projects for t in p.tests]

    assert set(manifest.coverage) == {t.test_id for t in tests}
    assert all(t.covers and t.covers == manifest.coverage[t.test_id] for t in tests)
    assert all(t.file_path for t in tests)


def test_manifest_round_trips_through_json(clean, tmp_path):
    _, manifest = clean
    path = write_manifest(manifest, tmp_path / "nested" / "manifest.json")

    assert load_manifest(path) == manifest
    assert json.loads(path.read_text())["incidents"][0]["start"].endswith("Z")
