"""The anomaly-flags detectors in one plain Python loop, in event time, without Flink.

It judges the same evidence in the same order as the job's operator, with the same detector
code, and so raises the same flags (the tests check that, on the stack and with fake state):

    record -> late? (event time <= watermark: dropped, the job dead-letters it)
           -> test runs wait per (org, test) until the watermark passes them, then go through
              TestHistory in event-time order and count into their project's window
           -> a project window closes when the watermark reaches its end: FailureRateBaseline
           -> error reports count per (org, project) window (by event id): ErrorRateBaseline

The job releases runs in batches per release interval rather than one by one; per test the
order is the same, and a window's last batch is released before the window closes.
By default the watermark is the largest event time seen minus the delay, as a single
partition's bounded out-of-orderness gives it; a caller reading several partitions passes its
own. Used as the benchmark's plain-Python baseline and by the fast detection-quality tests.
"""

from __future__ import annotations

import heapq
from collections import defaultdict

from udfs.anomaly.error_burst import ErrorRateBaseline
from udfs.anomaly.failure_rate import FailureRateBaseline, window_start
from udfs.anomaly.per_test import TestHistory, due_in_order
from udfs.anomaly.records import AnomalyFlag, ErrorReport, TestRun
from udfs.anomaly.thresholds import Thresholds

END_OF_INPUT = 2**63 - 1
_BEFORE_INPUT = -(2**63)


class Replay:
    def __init__(self, thresholds: Thresholds, watermark_delay_ms: int) -> None:
        self.thresholds = thresholds
        self.delay_ms = watermark_delay_ms
        self.watermark = _BEFORE_INPUT
        self.late = 0
        self._pending: dict[tuple[str, str], dict[str, TestRun]] = defaultdict(dict)
        self._tests: dict[tuple[str, str], TestHistory] = defaultdict(TestHistory)
        self._run_timers: list[tuple[int, tuple[str, str]]] = []
        self._run_windows: dict[tuple[str, str, int], list[int]] = {}
        self._run_window_timers: list[tuple[int, tuple[str, str, int]]] = []
        self._projects: dict[tuple[str, str], FailureRateBaseline] = defaultdict(
            FailureRateBaseline)
        self._error_windows: dict[tuple[str, str, int], set[str]] = {}
        self._error_window_timers: list[tuple[int, tuple[str, str, int]]] = []
        self._error_projects: dict[tuple[str, str], ErrorRateBaseline] = defaultdict(
            ErrorRateBaseline)

    def add(self, record: TestRun | ErrorReport,
            watermark: int | None = None) -> list[AnomalyFlag]:
        """Take one record in arrival order; returns the flags it lets the detectors raise.

        The watermark then advances to ``watermark`` (a caller reading several partitions
        passes the minimum of theirs), by default to this record's time minus the delay.
        """
        if record.event_time <= self.watermark:
            self.late += 1
            return []
        if isinstance(record, TestRun):
            key = (record.org_id, record.test_id)
            self._pending[key][record.event_id] = record
            heapq.heappush(self._run_timers, (record.event_time, key))
        else:
            self._count_error(record)
        if watermark is None:
            watermark = record.event_time - self.delay_ms - 1
        return self.advance(watermark)

    def finish(self) -> list[AnomalyFlag]:
        """End of a bounded input: the watermark jumps to the end of time, as in Flink."""
        return self.advance(END_OF_INPUT)

    def advance(self, watermark: int) -> list[AnomalyFlag]:
        if watermark <= self.watermark:
            return []
        self.watermark = watermark
        flags: list[AnomalyFlag] = []
        # Runs first: they feed the project windows this same watermark closes, as the job's
        # operator releases a window's runs before it closes the window.
        while self._run_timers and self._run_timers[0][0] <= watermark:
            at, key = heapq.heappop(self._run_timers)
            flags += self._release_runs(key, at)
        t = self.thresholds
        while self._run_window_timers and self._run_window_timers[0][0] <= watermark:
            _, (org, project, start) = heapq.heappop(self._run_window_timers)
            runs, failures = self._run_windows.pop((org, project, start))
            flag = self._projects[(org, project)].close_window(
                org, project, start, runs, failures, t.failure_rate, t.state_ttl_ms)
            flags += [flag] if flag else []
        while self._error_window_timers and self._error_window_timers[0][0] <= watermark:
            _, (org, project, start) = heapq.heappop(self._error_window_timers)
            errors = len(self._error_windows.pop((org, project, start)))
            flag = self._error_projects[(org, project)].close_window(
                org, project, start, errors, t.error_burst, t.state_ttl_ms)
            flags += [flag] if flag else []
        return flags

    def _release_runs(self, key: tuple[str, str], until: int) -> list[AnomalyFlag]:
        pending = self._pending[key]
        due, later = due_in_order(pending.values(), until)
        if not due:
            return []
        if later:
            self._pending[key] = {run.event_id: run for run in later}
        else:
            del self._pending[key]
        history = self._tests[key]
        flags = []
        for run in due:
            flags += history.observe(run, self.thresholds)
            if run.counted:
                self._count_run(run)
        return flags

    def _count_run(self, run: TestRun) -> None:
        size = self.thresholds.failure_rate.window_ms
        window = (run.org_id, run.project_id, window_start(run.event_time, size))
        counts = self._run_windows.get(window)
        if counts is None:
            counts = self._run_windows[window] = [0, 0]
            heapq.heappush(self._run_window_timers, (window[2] + size - 1, window))
        counts[0] += 1
        counts[1] += run.failed

    def _count_error(self, error: ErrorReport) -> None:
        size = self.thresholds.error_burst.window_ms
        window = (error.org_id, error.project_id, window_start(error.event_time, size))
        seen = self._error_windows.get(window)
        if seen is None:
            seen = self._error_windows[window] = set()
            heapq.heappush(self._error_window_timers, (window[2] + size - 1, window))
        seen.add(error.event_id)

    def state_counts(self) -> dict[str, int]:
        """How many keys each detector holds state for (for the state-size report)."""
        return {"tests": len(self._tests), "projects": len(self._projects),
                "error_projects": len(self._error_projects)}
