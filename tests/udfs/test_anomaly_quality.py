"""Detection quality of the detectors on the generator's seeded incident scenario.

The same scenario goes through the Flink job in tests/jobs/test_anomaly_flags.py; here the
plain-Python replay runs the same detector code in seconds.
"""

from __future__ import annotations

from argus_flink.contracts import AnomalyKind, DeadLetter, parse
from argus_flink.generator.config import WorkloadConfig
from argus_flink.generator.scenario import Behaviour
from argus_flink.generator.workload import generate_with_manifest
from udfs.anomaly.evaluation import Detection, evaluate
from udfs.anomaly.records import ErrorReport, TestRun
from udfs.anomaly.replay import Replay
from udfs.anomaly.thresholds import Thresholds

#: Several orgs, a few thousand tests, every incident kind, 1% bad and 1% duplicate records.
SCENARIO = WorkloadConfig(seed=5, events=60_000, orgs=4, scale=5, bad_fraction=0.01,
                          duplicate_fraction=0.01)


def test_recall_false_flags_and_flaky_tests_on_the_seeded_scenario():
    records, manifest = generate_with_manifest(SCENARIO)
    replay = Replay(Thresholds(), watermark_delay_ms=30_000)
    flags = []
    for record in records:
        parsed = parse(record.topic, record.value)
        if isinstance(parsed, DeadLetter):
            continue
        if record.topic == "argus.test.executed":
            flags += replay.add(TestRun.from_event(parsed.event))
        elif record.topic == "argus.error.reported":
            flags += replay.add(ErrorReport.from_event(parsed.event))
    flags += replay.finish()

    tests = sum(len(p.tests) for org in manifest.orgs for p in org.projects)
    assert len(manifest.orgs) == 4 and tests >= 2_000
    assert {incident.kind for incident in manifest.incidents} == set(AnomalyKind)
    report = evaluate([Detection.from_flag(flag) for flag in flags], manifest)
    assert report.recall >= 0.95, report.summary()
    assert report.false_flags_per_1000_test_hours <= 1.0, report.summary()
    assert report.flaky_as_regression == (), report.summary()
    flaky_tests = {test.test_id for org in manifest.orgs for p in org.projects
                   for test in p.tests if test.behaviour is Behaviour.FLAKY}
    kinds_on_flaky = {flag.kind for flag in flags if flag.subject in flaky_tests}
    assert kinds_on_flaky == {AnomalyKind.FLAKY_TEST}
    assert replay.late == 0
