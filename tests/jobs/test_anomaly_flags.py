"""anomaly-flags on the real local stack.

Each test produces its own records and runs the job on exactly those: the job starts from
group offsets committed at the records' first offsets and stops at the offsets after them
(the local broker's "latest" offset is wrong for batches). Insights are read without
read_committed and deduplicated on insight_id, as STACK.md says a consumer must here.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from rich.console import Console

from anomaly_expectations import anomaly_table_rows, replayed_flags
from argus_flink.contracts import (
    AnomalyKind,
    AnomalyPayload,
    ErrorReportedEvent,
    ExceptionInfo,
    Insight,
    Severity,
    TestExecutedEvent,
    TestStatus,
    to_json_bytes,
)
from argus_flink.generator.config import WorkloadConfig
from argus_flink.generator.produce import producer_config
from argus_flink.generator.record import Record
from argus_flink.generator.workload import generate_with_manifest
from argus_flink.ops.rest import FlinkRest
from argus_flink.ops.savepoints import stop_with_savepoint
from argus_flink.reports.anomalies import anomalies_table
from argus_flink.submit import flink_run
from jobs.anomaly_flags import INPUT_TOPICS, JOB_NAME
from udfs.anomaly.evaluation import Detection, evaluate
from udfs.anomaly.insights import from_epoch_ms, insight_id, to_insight
from udfs.anomaly.records import AnomalyFlag, epoch_ms
from udfs.anomaly.thresholds import Thresholds

pytestmark = pytest.mark.integration

MODULE = "jobs.anomaly_flags"
GROUP_ID = f"argus-{JOB_NAME}"
INSIGHTS, DLQ = "argus.insight.generated", "argus.dlq"

# --- the broker: produce a batch, bound a job to it, read results -------------------------


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """The true end of every partition: the broker's "latest" can point into the last batch,
    so read on from there to the last record."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "argus-test-tail",
                         "enable.auto.commit": False})
    try:
        partitions = sorted(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                for p in partitions}
        consumer.assign([TopicPartition(topic, p, max(ends[p] - 1, 0)) for p in partitions])
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < 2:
            batch = consumer.consume(10_000, 0.5)
            for message in batch:
                if not message.error():
                    ends[message.partition()] = max(ends[message.partition()],
                                                    message.offset() + 1)
            if batch:
                quiet_since = time.monotonic()
        return ends
    finally:
        consumer.close()


@dataclass(frozen=True)
class Batch:
    """Where a batch of records sits in the input topics: [starts, stops) per partition."""

    starts: dict[str, dict[int, int]]
    stops: dict[str, dict[int, int]]

    def commit_starts(self, bootstrap: str) -> None:
        """Point the job's consumer group at the batch, for ``--start-from group-offsets``."""
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP_ID,
                             "enable.auto.commit": False})
        try:
            consumer.commit(offsets=[TopicPartition(topic, p, offset)
                                     for topic, ends in self.starts.items()
                                     for p, offset in ends.items()], asynchronous=False)
        finally:
            consumer.close()

    def job_args(self, *, bounded: bool = True) -> list[str]:
        args = ["--start-from", "group-offsets"]
        for topic, ends in self.stops.items() if bounded else ():
            spec = ";".join(f"partition:{p},offset:{offset}" for p, offset in sorted(ends.items()))
            args += ["--bounded-offsets", f"{topic}={spec}"]
        return args


def produce_batch(bootstrap: str, records: Iterable[Record]) -> Batch:
    starts = {topic: end_offsets(bootstrap, topic) for topic in INPUT_TOPICS}
    failures: list[str] = []

    def on_delivery(error, message) -> None:
        if error is not None:
            failures.append(str(error))

    producer = Producer(producer_config(bootstrap, {"on_delivery": on_delivery}))
    for record in records:
        producer.produce(record.topic, record.value, record.key)
        producer.poll(0)
    assert producer.flush(60) == 0 and not failures, failures
    return Batch(starts, {topic: end_offsets(bootstrap, topic) for topic in INPUT_TOPICS})


def read_values(bootstrap: str, topic: str, *,
                done: Callable[[list[bytes]], bool] | None = None, timeout: float = 60.0,
                idle: float = 5.0) -> list[bytes]:
    """Every value of ``topic`` from the start, until ``done(values)``, or without ``done``
    until nothing new arrived for ``idle`` seconds; at most ``timeout`` seconds."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "argus-test-reader",
                         "enable.auto.commit": False, "isolation.level": "read_uncommitted"})
    values: list[bytes] = []
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        deadline, quiet_since = time.monotonic() + timeout, time.monotonic()
        while time.monotonic() < deadline:
            batch = [m.value() for m in consumer.consume(10_000, 0.5) if not m.error()]
            values += batch
            if batch:
                quiet_since = time.monotonic()
            if done(values) if done else time.monotonic() - quiet_since > idle:
                break
        return values
    finally:
        consumer.close()


def anomaly_insights(values: Iterable[bytes], orgs: set[str]) -> dict[str, Insight]:
    """The anomaly insights of ``orgs``, deduplicated on insight_id."""
    found = {}
    for value in values:
        insight = Insight.model_validate_json(value)
        if insight.org_id in orgs and insight.insight_type == "anomaly":
            found[insight.insight_id] = insight
    return found


def read_insights(bootstrap: str, orgs: set[str], *, expect: int | None = None,
                  timeout: float = 60.0) -> dict[str, Insight]:
    done = (lambda values: len(anomaly_insights(values, orgs)) >= expect) if expect else None
    return anomaly_insights(read_values(bootstrap, INSIGHTS, done=done, timeout=timeout), orgs)


def anomaly_rows(dsn: str, orgs: set[str]) -> dict[str, tuple]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT insight_id, org_id, project_id, anomaly_kind, subject, observed, baseline,"
            " score, severity, window_start, detected_at FROM anomalies"
            " WHERE org_id = ANY(%s)", (sorted(orgs),)).fetchall()
    return {row[0]: row[1:] for row in rows}


def wait_for_state(rest_url: str, job_id: str, state: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    job: dict = {}
    while time.monotonic() < deadline:
        job = httpx.get(f"{rest_url}/jobs/{job_id}", timeout=10).json()
        if job.get("state") == state:
            return job
        if job.get("state") in {"FAILED", "CANCELED"}:
            break
        time.sleep(2)
    causes = FlinkRest(rest_url).exceptions(job_id)
    raise AssertionError(f"job {job_id} is {job.get('state')}, expected {state}: "
                         f"{causes[0][:2000] if causes else 'no exception reported'}")


def run_bounded(stack, batch: Batch, extra: Sequence[str] = (), timeout: float = 900) -> str:
    batch.commit_starts(stack.kafka_bootstrap)
    job_id = flink_run(stack, MODULE, [*batch.job_args(), *extra])
    wait_for_state(stack.flink_rest_url, job_id, "FINISHED", timeout)
    return job_id


# --- a hand-made input with one incident of each kind --------------------------------------

# Each test has its own tenant: the insights topic holds every test's insights of the module.
ORG = "0d2b4e1c-0000-4000-8000-00000000a001"
SAVEPOINT_ORG = "0d2b4e1c-0000-4000-8000-00000000a002"
CHECKOUT, BILLING = "checkout", "billing"  # project ids
ROUNDS = 24  # one CI round per 10-minute window
SPIKE_ROUNDS = (12, 13)  # tests 0..19 of checkout fail: the dependency broke
SLOW_TEST, SLOW_FROM = "checkout-test-24", 10  # 100 ms, then 400 ms from round 10
FLAKY_TEST = "billing-flaky"  # passes, fails, passes… on one commit
BURST_ROUND, BURST_ERRORS = 20, 15


def _at(start: datetime, round_: int, seconds: float) -> datetime:
    return start + timedelta(minutes=10 * round_, seconds=seconds)


def _test_event(start, round_, seconds, project, test_id, status, duration_ms, commit,
                org=ORG) -> TestExecutedEvent:
    return TestExecutedEvent(
        event_id=f"{test_id}-r{round_}", event_type="test.executed",
        timestamp=_at(start, round_, seconds), org_id=org, project_id=project,
        source="github-actions", test_id=test_id, run_id=f"{project}-run-{round_}",
        status=status, duration_ms=duration_ms, commit_sha=commit)


def hand_made_events(start: datetime,
                     org: str = ORG) -> list[TestExecutedEvent | ErrorReportedEvent]:
    events: list = []
    for r in range(ROUNDS):
        commit = "a1" if r < SPIKE_ROUNDS[0] else "a2"  # the spike starts with a deploy
        for i in range(25):
            test_id = f"checkout-test-{i}"
            failed = r in SPIKE_ROUNDS and i < 20
            slow = test_id == SLOW_TEST and r >= SLOW_FROM
            events.append(_test_event(
                start, r, 60 + 2 * i, CHECKOUT, test_id,
                TestStatus.FAILED if failed else TestStatus.PASSED, 400 if slow else 100,
                commit, org))
        events.append(_test_event(start, r, 30, BILLING, FLAKY_TEST,
                                  TestStatus.FAILED if r % 2 else TestStatus.PASSED, 50, "b1",
                                  org))
    events += [ErrorReportedEvent(
        event_id=f"err-{k}", event_type="error.reported",
        timestamp=_at(start, BURST_ROUND, 60 + 3 * k), org_id=org, project_id=CHECKOUT,
        source="sentry", error_id=f"sentry-{k}", title="TimeoutError", culprit="pay()",
        exception=ExceptionInfo(type="TimeoutError", value="upstream timed out"))
        for k in range(BURST_ERRORS)]
    return sorted(events, key=lambda event: event.timestamp)


def hand_made_records(start: datetime, org: str = ORG) -> list[Record]:
    records = []
    for event in hand_made_events(start, org):
        topic = ("argus.test.executed" if isinstance(event, TestExecutedEvent)
                 else "argus.error.reported")
        records.append(Record(topic, org.encode(), to_json_bytes(event), event.timestamp))
        if event.event_id == "checkout-test-0-r12":  # redelivered: must count once
            records.append(records[-1])
    return records


def expected_hand_made_flags(start: datetime, org: str = ORG) -> list[AnomalyFlag]:
    """The four incidents, with the values each detector's definition gives them."""
    t = Thresholds()
    ms = epoch_ms

    def window(round_: int, minutes: int = 10) -> tuple[int, int]:
        begin = ms(_at(start, round_, 0))
        return begin, begin + minutes * 60_000

    slow_start, slow_end = (ms(_at(start, r, 60 + 2 * 24)) for r in (SLOW_FROM, SLOW_FROM + 2))
    flaky_start, flaky_end = (ms(_at(start, r, 30)) for r in (0, 5))
    spike = window(SPIKE_ROUNDS[0])
    burst = window(BURST_ROUND, minutes=5)
    return [
        AnomalyFlag(org, CHECKOUT, AnomalyKind.DURATION_REGRESSION, SLOW_TEST, 400.0, 100.0,
                    2 * 0.6931471805599453 / t.duration.min_sigma, Severity.HIGH,
                    slow_start, slow_start, slow_end, slow_end),
        AnomalyFlag(org, BILLING, AnomalyKind.FLAKY_TEST, FLAKY_TEST, 5 / 6, None, 5.0,
                    Severity.HIGH, flaky_start, flaky_start, flaky_end, flaky_end),
        # 20 of 25 runs failed against a baseline of none: z = 0.8 / the sigma floor.
        AnomalyFlag(org, CHECKOUT, AnomalyKind.FAILURE_RATE_SPIKE, CHECKOUT, 0.8, 0.0,
                    0.8 / t.failure_rate.min_sigma, Severity.HIGH, spike[0], *spike, spike[1]),
        # 15 errors against a baseline of none: z = 15 / sqrt(0 + 0 + 1).
        AnomalyFlag(org, CHECKOUT, AnomalyKind.ERROR_BURST, CHECKOUT, 15.0, 0.0, 15.0,
                    Severity.MEDIUM, burst[0], *burst, burst[1]),
    ]


def assert_same_insights(got: dict[str, Insight], expected: Iterable[AnomalyFlag]) -> None:
    want = {insight.insight_id: insight for insight in map(to_insight, expected)}
    assert sorted(got) == sorted(want)
    for key, insight in want.items():
        payload = got[key].payload
        assert got[key].model_dump(exclude={"payload"}) == insight.model_dump(
            exclude={"payload"})
        assert isinstance(payload, AnomalyPayload)
        assert (payload.anomaly_kind, payload.subject, payload.severity) == (
            insight.payload.anomaly_kind, insight.payload.subject, insight.payload.severity)
        assert payload.observed == pytest.approx(insight.payload.observed)
        assert payload.baseline == pytest.approx(insight.payload.baseline)
        assert payload.score == pytest.approx(insight.payload.score)


def test_exact_insights_and_anomaly_rows_for_a_hand_made_bounded_input(stack):
    start = datetime(2026, 1, 5, tzinfo=UTC)
    records = hand_made_records(start)
    bad = Record("argus.test.executed", ORG.encode(), b'{"anomaly-flags-test": not json',
                 start)
    batch = produce_batch(stack.kafka_bootstrap, [*records, bad])
    run_bounded(stack, batch)

    expected = expected_hand_made_flags(start)
    assert_same_insights(read_insights(stack.kafka_bootstrap, {ORG}, expect=4), expected)
    rows = anomaly_rows(stack.postgres_dsn, {ORG})
    assert sorted(rows) == sorted(insight_id(flag) for flag in expected)
    for flag in expected:
        row = rows[insight_id(flag)]
        assert row[:4] == (flag.org_id, flag.project_id, flag.kind.value, flag.subject)
        assert row[7:] == (flag.severity.value, from_epoch_ms(flag.window_start),
                           from_epoch_ms(flag.detected_at))
    dead = [value for value in read_values(stack.kafka_bootstrap, DLQ)
            if b"anomaly-flags-test" in value]
    assert len(dead) == 1 and b'"reason":"invalid_json"' in dead[0]
    # The demo's section shows them.
    console = Console(width=200, record=True, color_system=None)
    console.print(anomalies_table(stack, org_id=ORG))
    shown = console.export_text()
    assert all(flag.kind.value in shown for flag in expected)


# --- a savepoint of this build restored into a build with one more detector ---------------


def test_a_savepoint_restores_into_a_build_with_an_added_detector(stack, tmp_path):
    """Part A builds state (durations, flips); the job stops with a savepoint; part B holds
    the rest of each incident, which is only an incident with the state of part A."""
    start = datetime(2026, 2, 2, tzinfo=UTC)
    records = hand_made_records(start, SAVEPOINT_ORG)
    cut = epoch_ms(_at(start, 4, 0))  # rounds 0-3 in part A
    part_a = [r for r in records if epoch_ms(r.event_time) < cut]
    # A later run ends part B, so the watermark passes every run of interest.
    heartbeat = _test_event(start, ROUNDS + 1, 0, BILLING, "billing-heartbeat",
                            TestStatus.PASSED, 10, "b1", SAVEPOINT_ORG)
    part_b = [r for r in records if epoch_ms(r.event_time) >= cut] + [Record(
        "argus.test.executed", SAVEPOINT_ORG.encode(), to_json_bytes(heartbeat),
        heartbeat.timestamp)]
    rest = FlinkRest(stack.flink_rest_url)

    batch_a = produce_batch(stack.kafka_bootstrap, part_a)
    batch_a.commit_starts(stack.kafka_bootstrap)
    first = flink_run(stack, MODULE, batch_a.job_args(bounded=False))
    wait_for_state(stack.flink_rest_url, first, "RUNNING", 300)
    _wait_until_consumed(rest, first, len(part_a))
    savepoint = stop_with_savepoint(rest, JOB_NAME, target=f"file://{tmp_path}/savepoints",
                                    timeout=600).location

    produce_batch(stack.kafka_bootstrap, part_b)
    second = flink_run(stack, MODULE, ["--shadow-detector", *batch_a.job_args(bounded=False)],
                       savepoint=savepoint)
    try:
        job = wait_for_state(stack.flink_rest_url, second, "RUNNING", 300)
        assert "shadow: learn run volume" in {vertex["name"] for vertex in job["vertices"]}
        restored = rest.checkpoints(second).restored
        assert restored is not None and restored.is_savepoint
        assert restored.path.rstrip("/").rsplit("/", 1)[-1] == savepoint.rstrip("/").rsplit(
            "/", 1)[-1]
        expected = expected_hand_made_flags(start, SAVEPOINT_ORG)
        assert_same_insights(read_insights(stack.kafka_bootstrap, {SAVEPOINT_ORG}, expect=4,
                                           timeout=600), expected)
    finally:
        stop_with_savepoint(rest, JOB_NAME, target=f"file://{tmp_path}/final", timeout=600)


def _wait_until_consumed(rest: FlinkRest, job_id: str, records: int,
                         timeout: float = 600) -> None:
    """Until the job's parse step has read ``records`` records (so part A is in state)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        vertices = rest.job(job_id)["vertices"]
        read = sum(v["metrics"]["read-records"] for v in vertices
                   if v["name"].startswith("parse and validate"))
        if read >= records:
            time.sleep(5)  # past the next bundle flush
            return
        time.sleep(2)
    raise AssertionError(f"job {job_id} read fewer than {records} records in {timeout:.0f}s")


# --- detection quality through the job on the generator's ground truth ---------------------

#: The scenario of tests/udfs/test_anomaly_quality.py, a month later in event time.
SCENARIO = WorkloadConfig(seed=5, events=60_000, orgs=4, scale=5, bad_fraction=0.01,
                          duplicate_fraction=0.01, start=datetime(2026, 3, 2, tzinfo=UTC))


@pytest.mark.timeout(2400)
def test_detection_quality_through_the_job_on_the_generator_ground_truth(stack):
    records, manifest = generate_with_manifest(SCENARIO)
    batch = produce_batch(stack.kafka_bootstrap, records)
    job_id = run_bounded(stack, batch, timeout=1800)

    orgs = {org.org_id for org in manifest.orgs}
    insights = read_insights(stack.kafka_bootstrap, orgs, timeout=120)
    report = evaluate([Detection.from_insight(i) for i in insights.values()], manifest)
    assert report.recall >= 0.95, report.summary()
    assert report.false_flags_per_1000_test_hours <= 1.0, report.summary()
    assert report.flaky_as_regression == (), report.summary()
    flaky = {i.subject for i in manifest.incidents_of(AnomalyKind.FLAKY_TEST)}
    assert {i.payload.anomaly_kind for i in insights.values()
            if i.payload.subject in flaky} == {AnomalyKind.FLAKY_TEST}
    # The job and the plain-Python replay of the records it took agree flag for flag. (The
    # generator's disorder stays within the watermark delay, so none should be late; if a
    # loaded machine's idle partitions make some late, the replay leaves them out too.)
    late = late_originals(stack.kafka_bootstrap, orgs)
    replayed = {insight_id(flag): flag for flag in replayed_flags(
        (record.topic, record.value) for record in without_late(records, late))}
    only_job = sorted(set(insights) - set(replayed))
    only_replay = sorted(set(replayed) - set(insights))
    restarts = len(FlinkRest(stack.flink_rest_url).exceptions(job_id))
    assert not only_job and not only_replay, (
        f"{len(late)} late, {restarts} restarts; only the job: {[insights[i].payload for i in only_job][:5]}; "
        f"only the replay: {[replayed[i] for i in only_replay][:5]}")
    # Column for column, what the job wrote is what the replay computes.
    expected_rows = {key: row[1:] for key, row in anomaly_table_rows(replayed.values()).items()}
    assert anomaly_rows(stack.postgres_dsn, orgs) == expected_rows


def late_originals(bootstrap: str, orgs: set[str]) -> list[bytes]:
    """The original payloads the job dead-lettered as late, for ``orgs``."""
    from argus_flink.contracts import DeadLetter

    letters = (DeadLetter.model_validate_json(value) for value in read_values(bootstrap, DLQ))
    return [letter.original.encode() for letter in letters
            if letter.reason == "late_event" and letter.org_id in orgs and letter.original]


def without_late(records: Sequence[Record], late: list[bytes]) -> list[Record]:
    """``records`` less one copy of each late payload, the last copy: the late one."""
    left = Counter(late)
    kept = []
    for record in reversed(records):
        if left[record.value]:
            left[record.value] -= 1
            continue
        kept.append(record)
    return kept[::-1]
