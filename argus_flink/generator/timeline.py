"""The dynamic side of the workload: CI rounds in event time, with the planned incidents.

Round ``k`` covers ``[start + k·interval, start + (k+1)·interval)``. In it every project may
push a commit, runs its whole suite once, and may report application errors. Each round's items
stay inside its window, so rounds concatenate into one event-time-ordered stream.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

from argus_flink.contracts.events import TestStatus, Topic
from argus_flink.generator.ids import random_sha, random_uuid
from argus_flink.generator.payloads import EventFactory
from argus_flink.generator.record import Item, Record, from_epoch_ms, to_epoch_ms
from argus_flink.generator.scenario import (
    BASE_FAILURE_RATE,
    COMMIT_PROBABILITY,
    ERROR_PROBABILITY,
    FLAKY_FAILURE_RATE,
    Behaviour,
    ErrorSource,
    Project,
    Scenario,
    TestCase,
)
from argus_flink.generator.templates import TEMPLATES

SPIKE_TAG = "spike"
REGRESSION_TAG = "regression"
BURST_TAG = "burst"
FLAKY_TAG_PREFIX = "flaky:"

# Plain constants: enum attribute lookups are measurably slow in the per-test loop.
_FLAKY, _SKIPPED = Behaviour.FLAKY, Behaviour.SKIPPED
_PASSED, _SKIPPED_STATUS = TestStatus.PASSED.value, TestStatus.SKIPPED.value
_EXECUTED, _FAILED = Topic.TEST_EXECUTED.value, Topic.TEST_FAILED.value
_FAILED_STATUSES = frozenset({TestStatus.FAILED.value, TestStatus.ERROR.value})

_RUN_SETUP_MS = 1_000
_FLAKY_MARK_PROBABILITY = 0.5  # how often the reporter already flags a flaky test's result
_DURATION_JITTER = 0.15  # sigma of the log-normal noise on each duration


class Timeline:
    """Yields the items of each round, sorted by event time; state carries across rounds."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.plan = scenario.plan
        self._projects = scenario.projects
        self.notes: dict[str, dict[str, Any]] = {}  # incident facts only known while generating
        self._rng = random.Random(f"argus:{scenario.config.seed}:timeline")
        self._events = EventFactory(self._rng)
        self._start_ms = to_epoch_ms(scenario.config.start)
        self._interval_ms = int(scenario.config.run_interval.total_seconds() * 1000)
        self._head: dict[str, tuple[str, str]] = {}  # project_id -> (commit sha, its event id)
        self._keys = {org.org_id: org.org_id.encode() for org in scenario.orgs}

    def rounds(self) -> Iterator[list[Item]]:
        for index in itertools.count():
            yield self.round(index)

    def round(self, index: int) -> list[Item]:
        rng = self._rng
        window = self._start_ms + index * self._interval_ms
        items: list[Item] = []
        for project in self._projects:
            run_start = window + rng.randrange(self._interval_ms // 2)
            spike_begins = (
                project is self.plan.spike_project and index == self.plan.spike_rounds.start
            )
            if index == 0 or spike_begins or rng.random() < COMMIT_PROBABILITY:
                at = max(window, run_start - rng.randrange(5_000, 60_000))
                items.append(self._commit(project, at, bad_deploy=spike_begins))
            items.extend(self._run(project, index, run_start))
            if rng.random() < ERROR_PROBABILITY:
                source = rng.choice(project.error_sources)
                at = window + rng.randrange(self._interval_ms * 9 // 10)
                items.append(self._error(project, source, at, ()))
        if index == self.plan.burst_round:
            items.extend(self._burst(window))
        items.sort(key=lambda item: item.at_ms)
        return items

    # --- commits -------------------------------------------------------------------------

    def _commit(self, project: Project, at: int, *, bad_deploy: bool) -> Item:
        rng = self._rng
        sha, event_id = random_sha(rng), random_uuid(rng)
        count = rng.randint(1, min(4, len(project.source_files)))
        paths = rng.sample(project.source_files, count)
        if rng.random() < 0.3:
            paths.append(rng.choice(project.test_files))
        changes = [
            {
                "path": path,
                "change_type": "modified" if rng.random() < 0.9 else "added",
                "additions": rng.randint(1, 120),
                "deletions": rng.randint(0, 60),
            }
            for path in paths
        ]
        pr_number = rng.randint(100, 4_000) if rng.random() < 0.6 else None
        branch = "main" if pr_number is None else f"feature/pr-{pr_number}"
        value = self._events.codebase_ingested(
            project,
            at_ms=at,
            event_id=event_id,
            commit_sha=sha,
            branch=branch,
            pr_number=pr_number,
            files_changed=changes,
        )
        self._head[project.project_id] = (sha, event_id)
        if bad_deploy:
            self.notes[SPIKE_TAG] = {"commit_sha": sha, "files_changed": paths}
        return Item(at, self._record(Topic.CODEBASE_INGESTED.value, project, value, at))

    # --- test runs -----------------------------------------------------------------------

    def _run(self, project: Project, index: int, run_start: int) -> list[Item]:
        rng = self._rng
        in_spike = project is self.plan.spike_project and index in self.plan.spike_rounds
        run_id = random_uuid(rng)
        sha, commit_event_id = self._head[project.project_id]
        outcomes = [self._outcome(project, test, index, in_spike) for test in project.tests]
        # Enough parallel workers that the run ends within 40% of the round's window.
        total = sum(duration for _, duration, _, _ in outcomes)
        workers = max(4, -(-total // (self._interval_ms * 2 // 5)))
        items: list[Item] = []
        elapsed = 0
        for test, outcome in zip(project.tests, outcomes, strict=True):
            status, duration, template_key, tags = outcome
            elapsed += duration
            at = run_start + _RUN_SETUP_MS + elapsed // workers
            failure = None
            if template_key is not None:
                failure = TEMPLATES[template_key].render(test.site, rng, self._events.timestamp(at))
            flagged = test.behaviour is _FLAKY and rng.random() < _FLAKY_MARK_PROBABILITY
            value = self._events.test_executed(
                project,
                test,
                at_ms=at,
                run_id=run_id,
                commit_sha=sha,
                commit_event_id=commit_event_id,
                status=status,
                duration_ms=duration,
                failure=failure,
                flaky_confidence=round(rng.uniform(0.55, 0.97), 2) if flagged else None,
            )
            if in_spike:
                tags = (*tags, SPIKE_TAG)
            items.append(Item(at, self._record(_EXECUTED, project, value, at), tags))
            if status in _FAILED_STATUSES:
                items.append(Item(at, self._record(_FAILED, project, value, at), tags))
        if in_spike:  # the broken dependency also shows up in the application's error tracker
            at = run_start + rng.randrange(_RUN_SETUP_MS, _RUN_SETUP_MS + 30_000)
            items.append(self._error(project, project.error_sources[0], at, (SPIKE_TAG,)))
        return items

    def _outcome(
        self, project: Project, test: TestCase, index: int, in_spike: bool
    ) -> tuple[str, int, str | None, tuple[str, ...]]:
        """(status, duration_ms, failure template or None, incident tags) of one execution."""
        rng = self._rng
        tags: tuple[str, ...] = ()
        if test.behaviour is _FLAKY:
            tags = (FLAKY_TAG_PREFIX + test.test_id,)
        if test.behaviour is _SKIPPED:
            return _SKIPPED_STATUS, 0, None, tags
        duration = int(test.base_duration_ms * rng.lognormvariate(0.0, _DURATION_JITTER))
        if test is self.plan.regression_test and index >= self.plan.regression_round:
            duration = int(duration * self.plan.regression_factor)
            tags = (*tags, REGRESSION_TAG)
        template_key = None
        if in_spike and rng.random() < self.plan.spike_failure_rate:
            template_key = project.backend_template
        elif test.behaviour is _FLAKY and rng.random() < FLAKY_FAILURE_RATE:
            template_key = test.flaky_template
        elif rng.random() < BASE_FAILURE_RATE:
            template_key = test.failure_template
        if template_key is None:
            return _PASSED, duration, None, tags
        template = TEMPLATES[template_key]
        if template.timeout_ms is not None:
            duration = template.timeout_ms + rng.randrange(0, 400)
        return template.status, duration, template_key, tags

    # --- application errors --------------------------------------------------------------

    def _error(self, project: Project, source: ErrorSource, at: int, tags: tuple[str, ...]) -> Item:
        template = TEMPLATES[source.template]
        failure = template.render(source.site, self._rng, self._events.timestamp(at))
        value = self._events.error_reported(project, source, failure, at_ms=at)
        return Item(at, self._record(Topic.ERROR_REPORTED.value, project, value, at), tags)

    def _burst(self, window: int) -> list[Item]:
        """Many reports of one error in one project within two minutes."""
        plan = self.plan
        begin = window + self._interval_ms * 3 // 10
        length = min(120_000, self._interval_ms // 5)
        times = sorted(begin + self._rng.randrange(length) for _ in range(plan.burst_size))
        project, source = plan.burst_project, plan.burst_source
        return [self._error(project, source, at, (BURST_TAG,)) for at in times]

    def _record(self, topic: str, project: Project, value: bytes, at: int) -> Record:
        return Record(topic, self._keys[project.org_id], value, from_epoch_ms(at))
