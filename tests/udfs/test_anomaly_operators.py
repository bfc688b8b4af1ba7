"""The Flink operator's Python body without a JVM: fake keyed state and timers.

The fake runtime fires event-time timers the way PyFlink's process mode does: in timestamp
order per watermark, with timers that ``on_timer`` registers reaching the timer service only
after the firing loop. On generated traffic the operator must raise exactly the flags the
plain-Python replay raises.
"""

from __future__ import annotations

import copy
import heapq

import pytest
from pyflink.common import Row
from pyflink.datastream.state import StateTtlConfig

from argus_flink.contracts import DeadLetter, Insight, parse
from argus_flink.generator.config import WorkloadConfig
from argus_flink.generator.workload import generate_with_manifest
from udfs.anomaly import operators as ops
from udfs.anomaly.insights import ANOMALY_ROW_FIELDS, to_insight
from udfs.anomaly.records import ErrorReport, TestRun
from udfs.anomaly.replay import END_OF_INPUT, Replay
from udfs.anomaly.thresholds import Thresholds

DELAY = 30_000


class FakeRuntime:
    """Keyed state as dicts, event-time timers as a heap; one current key at a time."""

    def __init__(self) -> None:
        self.stores: dict[tuple[str, str], object] = {}
        self.descriptors = []
        self.key: str | None = None
        self.timers: list[tuple[int, str]] = []
        self.registered: set[tuple[int, str]] = set()
        self.deferred: list[tuple[int, str]] | None = None
        self.watermark = -(2**63)
        self.log: list[tuple[int, str]] = []  # every registration, in order

    # RuntimeContext
    def get_state(self, descriptor):
        self.descriptors.append(descriptor)
        return FakeValueState(self, descriptor.name)

    def get_map_state(self, descriptor):
        self.descriptors.append(descriptor)
        return FakeMapState(self, descriptor.name)

    # Context
    def timer_service(self):
        return self

    def get_current_key(self):
        return self.key

    def current_watermark(self):
        return self.watermark

    def register_event_time_timer(self, timestamp: int) -> None:
        timer = (timestamp, self.key)
        self.log.append(timer)
        if self.deferred is not None:
            self.deferred.append(timer)
        elif timer not in self.registered:
            self.registered.add(timer)
            heapq.heappush(self.timers, timer)

    def store(self, name: str, default):
        return self.stores.setdefault((name, self.key), default)


class FakeValueState:
    def __init__(self, runtime: FakeRuntime, name: str) -> None:
        self.runtime, self.name = runtime, name

    def value(self):
        return self.runtime.stores.get((self.name, self.runtime.key))

    def update(self, value) -> None:
        self.runtime.stores[(self.name, self.runtime.key)] = value


class FakeMapState:
    def __init__(self, runtime: FakeRuntime, name: str) -> None:
        self.runtime, self.name = runtime, name

    def _map(self) -> dict:
        return self.runtime.store(self.name, {})

    def get(self, key):
        return self._map().get(key)

    def put(self, key, value) -> None:
        self._map()[key] = value

    def remove(self, key) -> None:
        del self._map()[key]

    def contains(self, key) -> bool:
        return key in self._map()

    def items(self):
        return list(self._map().items())

    def keys(self):
        return list(self._map())

    def values(self):
        return list(self._map().values())


class FakeFlink:
    def __init__(self, function, runtime: FakeRuntime | None = None) -> None:
        self.runtime = runtime or FakeRuntime()
        self.function = function
        function.open(self.runtime)
        self.outputs: list[Row] = []

    def restored(self, function, *, lost_registrations: int) -> FakeFlink:
        """A new worker on a copy of this state, as a restore from a checkpoint taken now
        gives it: the watermark starts over, and the last ``lost_registrations`` timer
        registrations did not reach the snapshot (PyFlink applies them through the mailbox,
        after the snapshot of the bundle that made them)."""
        lost = set(self.runtime.log[len(self.runtime.log) - lost_registrations:])
        runtime = FakeRuntime()
        runtime.stores = copy.deepcopy(self.runtime.stores)
        runtime.timers = [timer for timer in self.runtime.timers if timer not in lost]
        heapq.heapify(runtime.timers)
        runtime.registered = set(runtime.timers)
        return FakeFlink(function, runtime)

    def element(self, key: str, value: Row) -> None:
        self.runtime.key = key
        self.outputs += list(self.function.process_element(value, self.runtime) or [])

    def advance(self, watermark: int) -> None:
        runtime = self.runtime
        if watermark <= runtime.watermark:
            return
        runtime.watermark = watermark
        runtime.deferred = []
        while runtime.timers and runtime.timers[0][0] <= watermark:
            timer = heapq.heappop(runtime.timers)
            runtime.registered.discard(timer)
            runtime.key = timer[1]
            self.outputs += list(self.function.on_timer(timer[0], runtime) or [])
        deferred, runtime.deferred = runtime.deferred, None
        for timestamp, key in deferred:
            runtime.key = key
            runtime.register_event_time_timer(timestamp)


def detector_input(record: TestRun | ErrorReport) -> Row:
    if isinstance(record, TestRun):
        return Row(True, *record.to_values()[:2], record.test_id, record.event_id,
                   record.commit_sha, record.status, record.duration_ms, record.event_time,
                   record.reported_flaky)
    return Row(False, record.org_id, record.project_id, "", record.event_id, None, "", 0,
               record.event_time, False)


def generated_records(config: WorkloadConfig) -> list[TestRun | ErrorReport]:
    records, _ = generate_with_manifest(config)
    result = []
    for record in records:
        parsed = parse(record.topic, record.value)
        if isinstance(parsed, DeadLetter) or record.topic not in (
                "argus.test.executed", "argus.error.reported"):
            continue
        event = parsed.event
        result.append(TestRun.from_event(event) if record.topic == "argus.test.executed"
                      else ErrorReport.from_event(event))
    return result


def test_the_operator_raises_exactly_the_replays_flags_on_generated_traffic():
    records = generated_records(WorkloadConfig(seed=42, events=20_000, duplicate_fraction=0.02))
    thresholds = Thresholds()
    flink = FakeFlink(ops.ProjectDetectors(thresholds, release_interval_ms=10_000))
    replay = Replay(thresholds, DELAY)
    expected = []
    for record in records:
        if record.event_time <= flink.runtime.watermark:
            continue  # the job's late split dead-letters these
        row = detector_input(record)
        flink.element(ops.project_key(row), row)
        flink.advance(record.event_time - DELAY - 1)
        expected += replay.add(record)
    flink.advance(END_OF_INPUT)
    expected += replay.finish()

    assert expected, "the workload has incidents"
    got = {row[0]: Insight.model_validate_json(row[-1]) for row in flink.outputs}
    assert got == {insight.insight_id: insight for insight in map(to_insight, expected)}
    assert all(len(row) == len(ANOMALY_ROW_FIELDS) + 1 for row in flink.outputs)


def test_a_restore_that_lost_the_last_bundles_timer_registrations_gives_the_same_flags():
    """The checkpoint holds the state of the last bundle but not the timers it registered;
    the restored operator still raises exactly the flags of an uninterrupted run."""
    records = generated_records(WorkloadConfig(seed=42, events=20_000, duplicate_fraction=0.02))
    thresholds = Thresholds()
    expected = {}
    for run in range(2):
        flink = FakeFlink(ops.ProjectDetectors(thresholds, release_interval_ms=10_000))
        for i, record in enumerate(records):
            if run and i in (len(records) // 3, 2 * len(records) // 3):
                flink = _restore(flink, thresholds)
            if record.event_time <= flink.runtime.watermark:
                continue
            row = detector_input(record)
            flink.element(ops.project_key(row), row)
            flink.advance(record.event_time - DELAY - 1)
        flink.advance(END_OF_INPUT)
        got = {row[0]: tuple(row) for row in flink.outputs}
        expected = expected or got
    assert len(expected) > 10
    assert got == expected


def _restore(flink: FakeFlink, thresholds: Thresholds) -> FakeFlink:
    before = flink.outputs
    lost = len(flink.runtime.log) - len(flink.runtime.log) * 9 // 10  # many more than a bundle
    flink = flink.restored(ops.ProjectDetectors(thresholds, release_interval_ms=10_000),
                           lost_registrations=lost)
    flink.outputs = before
    return flink


def test_every_state_has_a_ttl_that_keeps_the_python_state_cache_on():
    flink = FakeFlink(ops.ProjectDetectors(Thresholds(), release_interval_ms=10_000))
    names = sorted(descriptor.name for descriptor in flink.runtime.descriptors)
    assert names == ["error-rate-baseline", "error-windows", "failure-rate-baseline",
                     "pending-runs", "run-windows", "test-history"]
    for descriptor in flink.runtime.descriptors:
        ttl = descriptor._ttl_config
        assert ttl.get_ttl().to_milliseconds() == Thresholds().state_ttl_ms
        assert (ttl.get_state_visibility()
                is StateTtlConfig.StateVisibility.ReturnExpiredIfNotCleanedUp)


def test_state_rows_match_their_declared_types():
    flink = FakeFlink(ops.ProjectDetectors(Thresholds(), release_interval_ms=10_000))
    records = generated_records(WorkloadConfig(seed=1, events=3_000))
    for record in records:
        row = detector_input(record)
        flink.element(ops.project_key(row), row)
    flink.advance(END_OF_INPUT)
    test_state = next(value for (name, _), store in flink.runtime.stores.items()
                      if name == "test-history" for value in store.values())
    assert len(test_state[0]) == len(ops.DURATION_STATE.get_field_names())
    assert len(test_state[1]) == len(ops.FLIP_STATE.get_field_names())
    baseline = next(value for (name, _), value in flink.runtime.stores.items()
                    if name == "failure-rate-baseline")
    assert len(baseline) == len(ops.FAILURE_RATE_STATE.get_field_names())
    assert len(detector_input(records[0])) == len(ops.DETECTOR_INPUT.get_field_names())


def test_windows_must_be_multiples_of_the_release_interval():
    with pytest.raises(ValueError, match="multiples"):
        ops.ProjectDetectors(Thresholds(), release_interval_ms=7_000)


def test_the_shadow_detector_learns_and_flags_nothing():
    flink = FakeFlink(ops.RunVolumeShadow(Thresholds()))
    for record in generated_records(WorkloadConfig(seed=1, events=500)):
        row = detector_input(record)
        flink.element(ops.project_key(row), row)
    assert flink.outputs == []
    assert sum(v for (name, _), v in flink.runtime.stores.items() if name == "runs-seen") > 0
    assert [descriptor.name for descriptor in flink.runtime.descriptors] == ["runs-seen"]
