"""The test-metrics job on the real cluster, with bounded, hand-written input.

Every expected value is computed here from the input list (windows, lateness, dedupe,
percentiles), never copied from job output. Each test uses topics and orgs of its own.
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import NewTopic

from argus_flink.kafka_io import read_topic
from argus_flink.stack.broker import admin_client
from argus_flink.topics import MAX_MESSAGE_BYTES

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

DAY = "2026-11-21"
WINDOW = timedelta(minutes=5)
DELAY = timedelta(seconds=30)
PARTITIONS = 3
MAX_PAYLOAD = 1_048_576
ORIGINAL_LIMIT = 65_536


# --- the input ----------------------------------------------------------------------------


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"{DAY}T{clock}+00:00")


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Event:
    """A valid test.executed event."""

    org: str
    project: str | None
    event_id: str
    clock: str
    status: str
    duration_ms: int
    flaky: bool = False

    @property
    def time(self) -> datetime:
        return at(self.clock)

    def document(self) -> dict:
        return {
            "event_id": self.event_id, "event_type": "test.executed",
            "timestamp": rfc3339(self.time), "version": "1.0", "org_id": self.org,
            "project_id": self.project, "user_id": None, "correlation_id": None,
            "causation_id": None, "source": "github-actions", "idempotency_key": None,
            "test_id": f"t-{self.event_id}", "run_id": "run-1", "status": self.status,
            "duration_ms": self.duration_ms, "error_message": None, "stack_trace": None,
            "screenshot_url": None, "is_flaky": self.flaky,
            "flaky_confidence": 0.9 if self.flaky else 0.0, "test_name": "test_x",
            "file_path": "tests/test_x.py",
        }

    def value(self) -> bytes:
        return json.dumps(self.document()).encode()


@dataclass(frozen=True)
class Delivery:
    """One record as produced: a valid event, or a bad value with the reason it must get."""

    partition: int
    key: bytes | None
    value: bytes | None
    event: Event | None = None
    reason: str | None = None


def good(partition: int, event: Event) -> Delivery:
    return Delivery(partition, event.org.encode(), event.value(), event=event)


def bad(partition: int, key: str | None, value: bytes | None, reason: str) -> Delivery:
    return Delivery(partition, key.encode() if key else None, value, reason=reason)


def broken(template: Event, **changes: object) -> bytes:
    """A copy of ``template`` with fields replaced (a ``None`` value removes the field)."""
    document = template.document()
    for name, value in changes.items():
        if value is None:
            document.pop(name)
        else:
            document[name] = value
    return json.dumps(document).encode()


def eid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"argus-test-metrics/{name}"))


@dataclass(frozen=True)
class Orgs:
    a: str
    b: str
    p1: str = "11111111-1111-4111-8111-111111111111"
    p2: str = "22222222-2222-4222-8222-222222222222"
    p3: str = "33333333-3333-4333-8333-333333333333"


def main_scenario(orgs: Orgs) -> list[Delivery]:
    """Three partitions, two orgs. In delivery order per partition:

    p0 (org A): out-of-order within the watermark, a duplicate, a window boundary, a
       skipped-only window, an event without project, then one late event;
    p1 (org B): the same event_id and project id as org A (isolation), every bad record;
    p2 (org A): an event in p0's window and a duplicate delivered across partitions.
    """
    a, b = orgs.a, orgs.b
    a3 = Event(a, orgs.p1, eid("a3"), "10:02:30", "passed", 300, flaky=True)
    a5 = Event(a, orgs.p1, eid("a5"), "10:04:59.999", "error", 1200)
    p0 = [
        Event(a, orgs.p1, eid("a1"), "10:00:05", "passed", 100),
        Event(a, orgs.p1, eid("a2"), "10:01:00", "failed", 250),
        a3,
        Event(a, orgs.p1, eid("a4"), "10:02:10", "skipped", 0),  # 20 s behind: on time
        a3,  # re-delivered
        a5,
        Event(a, orgs.p2, eid("a6"), "10:05:10", "skipped", 0),
        Event(a, orgs.p1, eid("a8"), "10:06:00", "passed", 50),
        Event(a, orgs.p2, eid("a7"), "10:06:40", "skipped", 0),
        Event(a, orgs.p1, eid("a9"), "10:08:00", "passed", 70),
        Event(a, orgs.p1, eid("late"), "10:03:00", "passed", 500),  # watermark is 10:07:30
        Event(a, None, eid("a10"), "10:08:30", "passed", 10),
    ]
    template = Event(b, orgs.p1, eid("bad"), "10:00:00", "passed", 1)
    oversized = template.document() | {"stack_trace": "x" * (MAX_PAYLOAD + 4096)}
    bad_records = [
        bad(1, b, template.value()[:40], "invalid_json"),  # cut short
        bad(1, b, b'{"note":"caf\xe9",' + template.value()[1:], "invalid_json"),  # Latin-1
        bad(1, b, None, "invalid_json"),  # a tombstone
        bad(1, b, template.value() + b" trailing", "invalid_json"),
        bad(1, b, b"[1, 2]", "invalid_json"),
        bad(1, None, broken(template, org_id=None), "missing_org_id"),
        bad(1, None, broken(template, org_id=""), "missing_org_id"),
        bad(1, b, broken(template, org_id=42), "schema_violation"),
        bad(1, b, broken(template, status="PASSED"), "schema_violation"),
        bad(1, b, broken(template, duration_ms=-5), "schema_violation"),
        bad(1, b, broken(template, duration_ms="12"), "schema_violation"),
        bad(1, b, broken(template, duration_ms=12.5), "schema_violation"),
        bad(1, b, broken(template, is_flaky="false"), "schema_violation"),
        bad(1, b, broken(template, flaky_confidence="0.8"), "schema_violation"),
        bad(1, b, broken(template, test_id=None), "schema_violation"),
        bad(1, b, broken(template, timestamp="2026-11-21 10:00:00"), "schema_violation"),
        bad(1, b, json.dumps(oversized).encode(), "payload_too_large"),
    ]
    p1 = [
        good(1, Event(b, orgs.p1, eid("a1"), "10:00:30", "passed", 10)),  # org A's ids
        *bad_records,
        good(1, Event(b, orgs.p1, eid("b2"), "10:03:00", "passed", 20)),
        good(1, Event(b, orgs.p1, eid("b3"), "10:04:00", "failed", 30)),
        good(1, Event(b, orgs.p1, eid("b4"), "10:12:00", "passed", 5)),
    ]
    p2 = [
        Event(a, orgs.p1, eid("c1"), "10:03:30", "passed", 400),
        a5,  # re-delivered on another partition
        Event(a, orgs.p3, eid("c2"), "10:11:00", "passed", 60, flaky=True),
    ]
    return [good(0, e) for e in p0] + p1 + [good(2, e) for e in p2]


# --- expected output, computed from the input ---------------------------------------------


def percentile_cont(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def window_start(moment: datetime) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((moment - epoch) // WINDOW) * WINDOW


@dataclass
class Expected:
    rows: dict[tuple[str, str, datetime], dict] = field(default_factory=dict)
    late: list[Delivery] = field(default_factory=list)


def expected_output(deliveries: list[Delivery]) -> Expected:
    """Per-partition watermarks (max event time seen minus the delay), late events out,
    one count per (org, event_id) and window, then the contract's metrics per window."""
    newest: dict[int, datetime] = {}
    counted: dict[tuple[str, str, datetime], dict[str, Event]] = defaultdict(dict)
    result = Expected()
    for delivery in deliveries:
        event = delivery.event
        if event is None:
            continue
        watermark = newest[delivery.partition] - DELAY if delivery.partition in newest else None
        newest[delivery.partition] = max(newest.get(delivery.partition, event.time), event.time)
        if watermark is not None and event.time <= watermark:
            result.late.append(delivery)
            continue
        key = (event.org, event.project or "", window_start(event.time))
        counted[key].setdefault(event.event_id, event)
    for key, by_id in counted.items():
        events = list(by_id.values())
        total = len(events)
        by_status = {s: sum(e.status == s for e in events)
                     for s in ("passed", "failed", "skipped", "error")}
        durations = [float(e.duration_ms) for e in events]
        counted_for_rate = total - by_status["skipped"]
        result.rows[key] = {
            "total": total, "passed": by_status["passed"], "failed": by_status["failed"],
            "skipped": by_status["skipped"], "errored": by_status["error"],
            "flaky": sum(e.flaky for e in events),
            "pass_rate": by_status["passed"] / counted_for_rate if counted_for_rate else None,
            "avg_duration_ms": sum(durations) / total,
            "p95_duration_ms": percentile_cont(durations, 0.95),
        }
    return result


def insight_id(org: str, project: str, start: datetime) -> str:
    name = "\x1f".join(["test_metrics", org, project, rfc3339(start)])
    return hashlib.sha256(name.encode()).hexdigest()


# --- driving the stack --------------------------------------------------------------------


@dataclass(frozen=True)
class Topics:
    executed: str
    insights: str
    dlq: str

    @classmethod
    def fresh(cls, bootstrap: str, name: str) -> Topics:
        topics = cls(f"tm.{name}.executed", f"tm.{name}.insights", f"tm.{name}.dlq")
        admin = admin_client(bootstrap)
        futures = admin.create_topics([
            NewTopic(t, PARTITIONS, 1, config={"max.message.bytes": str(MAX_MESSAGE_BYTES)})
            for t in (topics.executed, topics.insights, topics.dlq)])
        for future in futures.values():
            future.result(30)
        return topics

    def job_args(self) -> list[str]:
        return ["--input-topic", self.executed, "--insight-topic", self.insights,
                "--dlq-topic", self.dlq]


def produce(bootstrap: str, topic: str, deliveries: list[Delivery]) -> list[tuple[int, int]]:
    """Write in order; returns each delivery's (partition, offset)."""
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                         "message.max.bytes": MAX_MESSAGE_BYTES})
    located: dict[int, tuple[int, int]] = {}
    errors: list[str] = []

    def on_delivery(index: int):
        def callback(error, message) -> None:
            if error is not None:
                errors.append(str(error))
            else:
                located[index] = (message.partition(), message.offset())
        return callback

    for index, delivery in enumerate(deliveries):
        producer.produce(topic, delivery.value, delivery.key, partition=delivery.partition,
                         on_delivery=on_delivery(index))
        producer.poll(0)
    assert producer.flush(60) == 0 and not errors, errors
    return [located[i] for i in range(len(deliveries))]


def end_offsets(located: list[tuple[int, int]]) -> str:
    ends = {p: 0 for p in range(PARTITIONS)}
    for partition, offset in located:
        ends[partition] = max(ends[partition], offset + 1)
    return ",".join(f"{p}:{o}" for p, o in sorted(ends.items()))


def argus_flink(*args: str, timeout: float = 600) -> str:
    out = subprocess.run([sys.executable, "-m", "argus_flink", *args], capture_output=True,
                         text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def wait_for_state(rest_url: str, job_id: str, states: set[str], timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    job: dict = {}
    while time.monotonic() < deadline:
        job = httpx.get(f"{rest_url}/jobs/{job_id}", timeout=10).json()
        if job.get("state") in states:
            return job
        if job.get("state") in {"FAILED", "CANCELED"}:
            exceptions = httpx.get(f"{rest_url}/jobs/{job_id}/exceptions", timeout=10).json()
            raise AssertionError(f"job {job.get('state')}: "
                                 f"{json.dumps(exceptions)[:3000]}")
        time.sleep(2)
    raise AssertionError(f"job {job_id} is {job.get('state')}, expected one of {states}")


def metrics_rows(dsn: str, orgs: list[str]) -> dict[tuple[str, str, datetime], dict]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT org_id, project_id, window_start, window_end, total, passed, failed,"
            " skipped, errored, flaky, pass_rate, avg_duration_ms, p95_duration_ms"
            " FROM test_metrics WHERE org_id = ANY(%s)", (orgs,)).fetchall()
    result = {}
    for org, project, start, end, *values in rows:
        assert end - start == WINDOW
        names = ("total", "passed", "failed", "skipped", "errored", "flaky", "pass_rate",
                 "avg_duration_ms", "p95_duration_ms")
        result[(org, project, start)] = dict(zip(names, values))
    return result


def assert_metrics_equal(actual: dict, expected: dict) -> None:
    assert actual.keys() == expected.keys()
    for key, row in expected.items():
        got = actual[key]
        for name, value in row.items():
            if isinstance(value, float):
                assert got[name] == pytest.approx(value, rel=1e-12), (key, name)
            else:
                assert got[name] == value, (key, name)


# --- the bounded run ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def bounded_run(stack):
    """Produce the scenario, run the job to the end of it with `argus-flink submit`."""
    orgs = Orgs(a="0a0a0a0a-0000-4000-8000-00000000000a", b="0b0b0b0b-0000-4000-8000-00000000000b")
    topics = Topics.fresh(stack.kafka_bootstrap, "bounded")
    deliveries = main_scenario(orgs)
    located = produce(stack.kafka_bootstrap, topics.executed, deliveries)
    job_id = argus_flink(
        "submit", "test-metrics", *topics.job_args(),
        "--bounded-offsets", end_offsets(located), "--parallelism", str(PARTITIONS),
        # One partition per subtask and a watermark after every record make lateness
        # deterministic: each record is checked against its own partition's watermark.
        "--watermark-emit", "on-event", "--checkpoint-interval", "2s",
        "--transactional-id-prefix", f"tm-bounded-{uuid.uuid4().hex[:8]}",
        "--job-name", "test-metrics-bounded").strip().splitlines()[-1]
    job = wait_for_state(stack.flink_rest_url, job_id, {"FINISHED"})
    return {"stack": stack, "orgs": orgs, "topics": topics, "deliveries": deliveries,
            "located": located, "expected": expected_output(deliveries), "job": job}


def test_windows_in_postgres_are_exact(bounded_run):
    orgs, expected = bounded_run["orgs"], bounded_run["expected"]
    actual = metrics_rows(bounded_run["stack"].postgres_dsn, [orgs.a, orgs.b])
    assert_metrics_equal(actual, expected.rows)
    # The cases the scenario is built for, spelled out:
    a_w1 = expected.rows[(orgs.a, orgs.p1, at("10:00:00"))]
    assert (a_w1["total"], a_w1["p95_duration_ms"]) == (6, 1000.0)  # a dup, a late one out
    assert expected.rows[(orgs.a, orgs.p2, at("10:05:00"))]["pass_rate"] is None  # skipped
    assert (orgs.a, "", at("10:05:00")) in expected.rows  # no project_id
    assert expected.rows[(orgs.b, orgs.p1, at("10:00:00"))]["total"] == 3  # isolation


def test_insights_are_exact_after_dedupe_on_insight_id(bounded_run):
    stack, expected = bounded_run["stack"], bounded_run["expected"]
    messages = read_topic(stack.kafka_bootstrap, bounded_run["topics"].insights,
                          timeout=60, idle=5)
    insights = {}
    for message in messages:  # the local broker also shows aborted attempts: dedupe
        insight = json.loads(message.value)
        assert message.key.decode() == insight["org_id"]
        insights[insight["insight_id"]] = insight
    assert len(insights) == len(expected.rows)
    for (org, project, start), row in expected.rows.items():
        insight = insights[insight_id(org, project, start)]
        assert {k: insight[k] for k in ("insight_type", "org_id", "project_id",
                                        "window_start", "window_end")} == {
            "insight_type": "test_metrics", "org_id": org, "project_id": project,
            "window_start": rfc3339(start), "window_end": rfc3339(start + WINDOW)}
        assert datetime.fromisoformat(insight["generated_at"].replace("Z", "+00:00"))
        assert_metrics_equal({0: insight["payload"]}, {0: row})


def test_every_rejected_record_is_in_the_dlq_with_its_reason(bounded_run):
    stack, topics = bounded_run["stack"], bounded_run["topics"]
    deliveries, located = bounded_run["deliveries"], bounded_run["located"]
    late = {id(d) for d in bounded_run["expected"].late}
    assert len(late) == 1
    wanted = {}
    for delivery, (partition, offset) in zip(deliveries, located):
        reason = "late_event" if id(delivery) in late else delivery.reason
        if reason is None:
            continue
        original, truncated = None, False
        if delivery.value is not None:
            truncated = len(delivery.value) > ORIGINAL_LIMIT
            original = delivery.value[:ORIGINAL_LIMIT].decode("utf-8", "replace")
        wanted[(partition, offset)] = {
            "reason": reason, "source_topic": topics.executed, "source_partition": partition,
            "source_offset": offset, "job": "test-metrics", "original": original,
            "original_truncated": truncated,
            "org_id": delivery.key.decode() if delivery.key else None}
    messages = read_topic(stack.kafka_bootstrap, topics.dlq, timeout=60, idle=5)
    got = {}
    for message in messages:
        letter = json.loads(message.value)
        assert letter["detail"] and letter["failed_at"].endswith("Z")
        assert message.key == (letter["org_id"].encode() if letter["org_id"] else None)
        got[(letter["source_partition"], letter["source_offset"])] = {
            k: letter[k] for k in wanted[next(iter(wanted))]}
    assert got == wanted
    reasons = {w["reason"] for w in wanted.values()}
    assert reasons == {"invalid_json", "missing_org_id", "schema_violation",
                       "payload_too_large", "late_event"}


def test_the_web_ui_shows_named_operators(bounded_run):
    names = " ".join(v["name"] for v in bounded_run["job"]["vertices"])
    assert bounded_run["job"]["name"] == "test-metrics-bounded"
    for table in ("argus_test_executed", "argus_insight_generated", "argus_dlq",
                  "postgres_test_metrics", "WindowDeduplicate", "WindowAggregate"):
        assert table in names


# --- an idle partition, through `sql render` + `sql run` ----------------------------------


def test_an_idle_partition_does_not_hold_windows_back(stack, tmp_path):
    """Unbounded run of the rendered script: partition 2 never gets a record, yet the first
    window is written while the job runs; the newest window stays open."""
    org, project = "0c0c0c0c-0000-4000-8000-00000000000c", "44444444-4444-4444-8444-444444444444"
    topics = Topics.fresh(stack.kafka_bootstrap, "idle")
    deliveries = [
        good(0, Event(org, project, eid("i1"), "10:00:10", "passed", 100)),
        good(0, Event(org, project, eid("i2"), "10:01:00", "failed", 200)),
        good(1, Event(org, project, eid("i3"), "10:02:00", "passed", 300)),
        good(0, Event(org, project, eid("i4"), "10:20:00", "passed", 1)),
        good(1, Event(org, project, eid("i5"), "10:20:00", "passed", 2)),
    ]
    produce(stack.kafka_bootstrap, topics.executed, deliveries)
    script = tmp_path / "test_metrics.sql"
    script.write_text(argus_flink(
        "sql", "render", "test-metrics", *topics.job_args(), "--parallelism", str(PARTITIONS),
        "--idle-timeout", "3 s", "--job-name", "test-metrics-idle",
        "--transactional-id-prefix", f"tm-idle-{uuid.uuid4().hex[:8]}"))
    job_id = argus_flink("sql", "run", str(script)).split()[-1]
    try:
        wait_for_state(stack.flink_rest_url, job_id, {"RUNNING"})
        expected = expected_output(deliveries).rows
        del expected[(org, project, at("10:20:00"))]  # the watermark is 10:19:30
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if metrics_rows(stack.postgres_dsn, [org]):
                break
            time.sleep(2)
        time.sleep(5)  # nothing more may come
        assert_metrics_equal(metrics_rows(stack.postgres_dsn, [org]), expected)
    finally:
        httpx.patch(f"{stack.flink_rest_url}/jobs/{job_id}?mode=cancel", timeout=10)


# --- the SQL renders and the planner accepts it --------------------------------------------


def test_sql_validate_accepts_the_job(stack):
    out = argus_flink("sql", "validate", "test-metrics", timeout=900)
    assert "the planner accepts them" in out


def test_sql_validate_names_the_source_file_and_line_of_an_error(stack, tmp_path):
    from argus_flink.sql.render import SQL_DIR

    copy = tmp_path / "test_metrics"
    copy.mkdir()
    for path in sorted((SQL_DIR / "test_metrics").glob("*.sql")):
        copy.joinpath(path.name).write_text(path.read_text())
    windows = copy / "06_windows.sql"
    lines = windows.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "AS skipped," in line)
    lines[number - 1] = lines[number - 1].replace("`status`", "`state`")
    windows.write_text("\n".join(lines) + "\n")
    out = subprocess.run([sys.executable, "-m", "argus_flink", "sql", "validate",
                          "test-metrics", "--sql-dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 1
    assert f"{windows}:{number}:" in out.stderr.replace("\n", "")
    assert "state" in out.stderr
