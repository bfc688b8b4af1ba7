"""The detectors as a Flink KeyedProcessFunction: typed keyed state, event-time timers, TTL.

The only module of ``udfs.anomaly`` that imports PyFlink. The function loads state rows into
the detector dataclasses, calls the same methods the plain-Python replay calls, and writes the
rows back. State is typed rows of primitives (never pickled objects), so RocksDB holds compact
values and savepoints do not depend on Python class layouts.

All four detectors share one operator keyed by (org, project), with the per-test state in a
MapState under the project. Every state access from a Python worker is a call into the JVM
unless the worker's cache serves it, so the layout is chosen for that cache: an event costs
one cached read and write, runs are judged in batches when an event-time timer fires, and a
batch reads each test's state once.
"""

from __future__ import annotations

from pyflink.common import Row, Types
from pyflink.common.time import Time
from pyflink.datastream import KeyedProcessFunction, RuntimeContext
from pyflink.datastream.state import (
    MapStateDescriptor,
    StateTtlConfig,
    ValueStateDescriptor,
)

from argus_flink.contracts import to_json_bytes
from udfs.anomaly import duration_regression, error_burst, failure_rate, flaky_test
from udfs.anomaly.duration_regression import DurationBaseline
from udfs.anomaly.error_burst import ErrorRateBaseline
from udfs.anomaly.failure_rate import FailureRateBaseline, window_start
from udfs.anomaly.flaky_test import FlipHistory
from udfs.anomaly.insights import ANOMALY_ROW_FIELDS, anomaly_row_values, to_insight
from udfs.anomaly.per_test import TestHistory, due_in_order
from udfs.anomaly.records import AnomalyFlag, TestRun
from udfs.anomaly.thresholds import Thresholds

# --- record types ------------------------------------------------------------------------

#: Every parsed event, test run or error report, in one row so one parse step serves both.
DETECTOR_INPUT = Types.ROW_NAMED(
    ["is_test_run", "org_id", "project_id", "test_id", "event_id", "commit_sha", "status",
     "duration_ms", "event_time", "reported_flaky"],
    [Types.BOOLEAN(), Types.STRING(), Types.STRING(), Types.STRING(), Types.STRING(),
     Types.STRING(), Types.STRING(), Types.INT(), Types.LONG(), Types.BOOLEAN()])

#: One detected anomaly: the `anomalies` columns (times in epoch ms) plus the Insight JSON.
ANOMALY_OUTPUT = Types.ROW_NAMED(
    [*ANOMALY_ROW_FIELDS, "insight_json"],
    [Types.STRING()] * 5 + [Types.DOUBLE()] * 3
    + [Types.STRING(), Types.LONG(), Types.LONG(), Types.STRING()])

# --- state types: one row per detector, fields in the order of its to_values() -----------

TEST_RUN = Types.ROW_NAMED(
    ["org_id", "project_id", "test_id", "event_id", "commit_sha", "status", "duration_ms",
     "event_time", "reported_flaky"],
    [Types.STRING(), Types.STRING(), Types.STRING(), Types.STRING(), Types.STRING(),
     Types.STRING(), Types.INT(), Types.LONG(), Types.BOOLEAN()])

_INCIDENT = [Types.INT(), Types.LONG(), Types.LONG()]

DURATION_STATE = Types.ROW_NAMED(
    list(duration_regression.STATE_FIELDS),
    [Types.PRIMITIVE_ARRAY(Types.DOUBLE()), Types.INT(), Types.INT(), Types.LONG(),
     Types.DOUBLE(), Types.LONG(), *_INCIDENT])

FLIP_STATE = Types.ROW_NAMED(
    list(flaky_test.STATE_FIELDS),
    [Types.INT(), Types.STRING(), Types.LONG(), Types.LONG(), Types.INT(), Types.LONG(),
     *_INCIDENT])

TEST_STATE = Types.ROW_NAMED(["duration", "flips"], [DURATION_STATE, FLIP_STATE])

FAILURE_RATE_STATE = Types.ROW_NAMED(
    list(failure_rate.STATE_FIELDS),
    [Types.DOUBLE(), Types.DOUBLE(), Types.INT(), Types.LONG(), *_INCIDENT])

ERROR_RATE_STATE = Types.ROW_NAMED(
    list(error_burst.STATE_FIELDS),
    [Types.DOUBLE(), Types.DOUBLE(), Types.LONG(), *_INCIDENT])

WINDOW_COUNTS = Types.ROW_NAMED(["runs", "failures"], [Types.INT(), Types.INT()])

_KEY_SEPARATOR = "\x1f"


def project_key(row) -> str:
    """(org, project) as one string key; project ids are only unique within a tenant."""
    return row[1] + _KEY_SEPARATOR + row[2]


def split_key(key: str) -> tuple[str, str]:
    first, _, second = key.partition(_KEY_SEPARATOR)
    return first, second


def state_ttl(thresholds: Thresholds) -> StateTtlConfig:
    """Drop state not written for the TTL: this bounds the state of tests and projects that
    never come back (per test: map entries expire one by one).

    Expiry as the detectors see it happens in event time (a baseline older than the TTL no
    longer describes the test), which keeps replays deterministic; Flink's TTL runs in
    processing time and only collects garbage. So an expired value that was not cleaned up
    yet may be returned: NeverReturnExpired would also switch off the Python worker's state
    cache, turning every state access into a round trip to the JVM. Cleanup is the default
    background strategy, which on RocksDB is the compaction filter (the builder's explicit
    ``cleanup_in_rocksdb_compact_filter`` needs a JVM, which Python workers lack).
    """
    return (StateTtlConfig.new_builder(Time.seconds(thresholds.state_ttl_s))
            .set_update_type(StateTtlConfig.UpdateType.OnCreateAndWrite)
            .set_state_visibility(StateTtlConfig.StateVisibility.ReturnExpiredIfNotCleanedUp)
            .build())


def _with_ttl(descriptor, ttl: StateTtlConfig):
    descriptor.enable_time_to_live(ttl)
    return descriptor


def anomaly_output(flag: AnomalyFlag) -> Row:
    """The output row of one flag: anomalies columns and the Insight as contract JSON."""
    return Row(*anomaly_row_values(flag), to_json_bytes(to_insight(flag)).decode())


# --- the detectors -----------------------------------------------------------------------

class ProjectDetectors(KeyedProcessFunction):
    """Per (org, project): failure-rate spikes and error bursts over tumbling event-time
    windows, and per test of the project duration regressions and flaky tests.

    Test runs wait in a bucket per release interval until the watermark passes its end; then
    they are judged in event-time order (redelivered events dropped) and counted into their
    failure-rate window. A window is judged when the watermark passes its end.

    Every timer is registered while an element is processed, never from ``on_timer``: a
    Python worker's registrations reach the JVM only after the JVM has fired every timer the
    current watermark passes, so one registered in ``on_timer`` could fire out of order.

    A checkpoint can also miss timers (PyFlink 2.0.2, process mode): the JVM applies a
    worker's registrations through the task mailbox, and the snapshot taken right after the
    bundle flush at a barrier does not wait for them. The state written in that bundle is in
    the checkpoint; its timers may not be. So a worker, the first time it meets a key, judges
    what the watermark has passed in that key's state and registers the timers of the rest
    again (a timer registered twice fires once); afterwards only each timer's own bucket and
    window are read. A key that never sees an event or a timer again after a restore keeps
    what such a lost timer held.
    """

    def __init__(self, thresholds: Thresholds, release_interval_ms: int) -> None:
        windows = (thresholds.failure_rate.window_ms, thresholds.error_burst.window_ms)
        if any(size % release_interval_ms for size in windows):
            # A window's last release then fires with its close: no run misses its window.
            raise ValueError("windows must be whole multiples of the release interval")
        self.thresholds = thresholds
        self.release_ms = release_interval_ms
        #: Per key this worker has re-armed, the release times of its pending buckets:
        #: worker memory, not state, so a restored worker starts empty. After that, a new
        #: bucket is the only one without timers, and it is known to be new without asking
        #: the JVM (a lookup of a missing map key is a round trip that no cache answers).
        self._buckets: dict[str, set[int]] = {}

    def open(self, runtime_context: RuntimeContext):
        self._buckets = {}
        ttl = state_ttl(self.thresholds)
        context = runtime_context
        # Release interval end -> the runs waiting for it; small values, one read per event.
        self.pending = context.get_map_state(_with_ttl(
            MapStateDescriptor("pending-runs", Types.LONG(), Types.LIST(TEST_RUN)), ttl))
        self.tests = context.get_map_state(
            _with_ttl(MapStateDescriptor("test-history", Types.STRING(), TEST_STATE), ttl))
        self.run_windows = context.get_map_state(
            _with_ttl(MapStateDescriptor("run-windows", Types.LONG(), WINDOW_COUNTS), ttl))
        self.failure_rate = context.get_state(
            _with_ttl(ValueStateDescriptor("failure-rate-baseline", FAILURE_RATE_STATE), ttl))
        # event id -> its window: deduplicates redelivered errors and counts each window.
        self.error_windows = context.get_map_state(
            _with_ttl(MapStateDescriptor("error-windows", Types.STRING(), Types.LONG()), ttl))
        self.error_rate = context.get_state(
            _with_ttl(ValueStateDescriptor("error-rate-baseline", ERROR_RATE_STATE), ttl))

    def process_element(self, value, ctx):
        at, key, timers = value[8], ctx.get_current_key(), ctx.timer_service()
        buckets = self._buckets.get(key)
        if buckets is None:
            buckets = self._rearm(key, timers)
        if value[0]:
            release = at - at % self.release_ms + self.release_ms - 1
            waiting = self.pending.get(release) if release in buckets else None
            if waiting is None:
                waiting = []
                buckets.add(release)
                self._arm(release, timers)
            waiting.append(Row(*value[1:]))
            self.pending.put(release, waiting)
            return
        if not self.error_windows.contains(value[4]):
            size = self.thresholds.error_burst.window_ms
            start = window_start(at, size)
            self.error_windows.put(value[4], start)
            timers.register_event_time_timer(start + size - 1)

    def on_timer(self, timestamp, ctx):
        key = ctx.get_current_key()
        org_id, project_id = split_key(key)
        t = self.thresholds
        flags: list[AnomalyFlag | None] = []
        if key not in self._buckets:
            # Timers registered here reach the JVM only after this firing loop, so what the
            # watermark has passed is judged now, in event-time order; the rest is re-armed.
            flags += self._catch_up(org_id, project_id, ctx.timer_service().current_watermark())
            self._rearm(key, ctx.timer_service())
        buckets = self._buckets[key]
        if timestamp in buckets:
            buckets.remove(timestamp)
            flags += self._release_runs(timestamp)
        # Windows are aligned to the epoch, so only a multiple of the size can end one.
        end = timestamp + 1
        if end % t.failure_rate.window_ms == 0:
            flags += self._close_run_windows(org_id, project_id, [end - t.failure_rate.window_ms])
        if end % t.error_burst.window_ms == 0:
            flags += self._close_error_windows(org_id, project_id, end)
        for flag in flags:
            if flag is not None:
                yield anomaly_output(flag)

    # --- timers that a restored checkpoint may lack ------------------------------------

    def _arm(self, release: int, timers) -> None:
        """The timers of a bucket: its release and the end of its failure-rate window."""
        size = self.thresholds.failure_rate.window_ms
        timers.register_event_time_timer(release)
        timers.register_event_time_timer(window_start(release, size) + size - 1)

    def _rearm(self, key: str, timers) -> set[int]:
        """Once per key and worker: register the timers of every bucket and window in the
        key's state again (a timer registered twice fires once); returns its buckets."""
        buckets = self._buckets[key] = set(self.pending.keys())
        for release in buckets:
            self._arm(release, timers)
        size = self.thresholds.failure_rate.window_ms
        for start in self.run_windows.keys():
            timers.register_event_time_timer(start + size - 1)
        size = self.thresholds.error_burst.window_ms
        for start in set(self.error_windows.values()):
            timers.register_event_time_timer(start + size - 1)
        return buckets

    def _catch_up(self, org_id: str, project_id: str,
                  watermark: int) -> list[AnomalyFlag | None]:
        """Release every bucket and close every window the watermark has passed, oldest
        first: runs before the windows they count into, as their own timers would."""
        flags: list[AnomalyFlag | None] = []
        for release in sorted(r for r in self.pending.keys() if r <= watermark):
            flags += self._release_runs(release)
        size = self.thresholds.failure_rate.window_ms
        flags += self._close_run_windows(org_id, project_id, sorted(
            start for start in self.run_windows.keys() if start + size - 1 <= watermark))
        return flags + self._close_error_windows(org_id, project_id, watermark + 1)

    # --- judging ---------------------------------------------------------------------

    def _release_runs(self, release: int) -> list[AnomalyFlag | None]:
        waiting = self.pending.get(release) or []  # none if state TTL took it first
        self.pending.remove(release)
        due, _ = due_in_order([TestRun(*row) for row in waiting], release)
        t, size = self.thresholds, self.thresholds.failure_rate.window_ms
        flags: list[AnomalyFlag | None] = []
        counts: dict[int, list[int]] = {}
        for run in due:
            state = self.tests.get(run.test_id)
            history = (TestHistory(DurationBaseline.from_values(state[0]),
                                   FlipHistory.from_values(state[1]))
                       if state else TestHistory())
            flags += history.observe(run, t)
            self.tests.put(run.test_id, Row(Row(*history.duration.to_values()),
                                            Row(*history.flips.to_values())))
            if run.counted:
                window = counts.setdefault(window_start(run.event_time, size), [0, 0])
                window[0] += 1
                window[1] += run.failed
        for start, (runs, failures) in counts.items():
            stored = self.run_windows.get(start)
            if stored is not None:
                runs, failures = runs + stored[0], failures + stored[1]
            self.run_windows.put(start, Row(runs, failures))
        return flags

    def _close_run_windows(self, org_id: str, project_id: str,
                           starts: list[int]) -> list[AnomalyFlag | None]:
        """Judge the failure-rate windows starting at ``starts`` (in order) that hold runs."""
        t = self.thresholds
        flags = []
        for start in starts:
            counts = self.run_windows.get(start)
            if counts is None:
                continue
            self.run_windows.remove(start)
            state = self.failure_rate.value()
            baseline = FailureRateBaseline.from_values(state) if state else FailureRateBaseline()
            flags.append(baseline.close_window(org_id, project_id, start, counts[0], counts[1],
                                               t.failure_rate, t.state_ttl_ms))
            self.failure_rate.update(Row(*baseline.to_values()))
        return flags

    def _close_error_windows(self, org_id: str, project_id: str,
                             end: int) -> list[AnomalyFlag | None]:
        """Judge every error window that ends by ``end``, oldest first."""
        t = self.thresholds
        size = t.error_burst.window_ms
        due: dict[int, list[str]] = {}
        for event_id, start in self.error_windows.items():
            if start + size <= end:
                due.setdefault(start, []).append(event_id)
        flags = []
        for start in sorted(due):
            for event_id in due[start]:
                self.error_windows.remove(event_id)
            state = self.error_rate.value()
            baseline = ErrorRateBaseline.from_values(state) if state else ErrorRateBaseline()
            flags.append(baseline.close_window(org_id, project_id, start, len(due[start]),
                                               t.error_burst, t.state_ttl_ms))
            self.error_rate.update(Row(*baseline.to_values()))
        return flags


class RunVolumeShadow(KeyedProcessFunction):
    """A detector in shadow mode: per (org, project) it learns the number of test runs and
    flags nothing yet. Deployed with ``--shadow-detector``; when a savepoint of a build
    without it is restored, its state simply starts empty."""

    def __init__(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds

    def open(self, runtime_context: RuntimeContext):
        self.runs = runtime_context.get_state(_with_ttl(
            ValueStateDescriptor("runs-seen", Types.LONG()), state_ttl(self.thresholds)))

    def process_element(self, value, ctx):
        if value[0]:
            self.runs.update((self.runs.value() or 0) + 1)
        return iter(())

