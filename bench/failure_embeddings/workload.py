"""The benchmark's two inputs, and what the job must make of them.

- ``distinct_failures``: one failed test result for each failure cause of a large generated
  scenario, keeping only causes whose normalised text is new in their org. Every event is a
  new pattern, so the job does little but embed: its embeddings/s against the model called
  directly is the cost of running the model inside Flink.
- ``realistic``: the seeded generator's workload, with its repeat rate (a test fails for the
  same few reasons again and again): what dedupe before embedding saves.

``expected`` reads either with the job's own parse and fingerprint functions.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from argus_flink.contracts import DeadLetter, Topic, parse
from argus_flink.failures.events import failure_event
from argus_flink.generator import WorkloadConfig, generate
from argus_flink.generator.payloads import EventFactory
from argus_flink.generator.record import Record, from_epoch_ms
from argus_flink.generator.scenario import build_scenario
from argus_flink.generator.templates import TEMPLATES
from jobs.failure_embeddings import INPUT_TOPICS

START_MS = 1_795_000_000_000  # 2026-11-19T06:13:20Z
SPACING_MS = 250


@dataclass
class Expected:
    """What the job reads and must store."""

    failure_records: int = 0  # failure records on the input topics, re-deliveries included
    event_ids: set[tuple[str, str]] = field(default_factory=set)  # distinct (org, event id)
    # (org, fingerprint) -> normalised text, in the order the patterns first occur
    texts: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def failure_events(self) -> int:
        return len(self.event_ids)

    @property
    def orgs(self) -> list[str]:
        return sorted({org for org, _ in self.texts})

    def add(self, record: Record) -> None:
        parsed = parse(record.topic, record.value)
        if isinstance(parsed, DeadLetter):
            return
        failure = failure_event(parsed)
        if failure is None:
            return
        self.failure_records += 1
        self.event_ids.add((failure.org_id, failure.event_id))
        self.texts.setdefault((failure.org_id, failure.fingerprint), failure.text)


def expected(records: Iterable[Record]) -> Expected:
    result = Expected()
    for record in records:
        if record.topic in INPUT_TOPICS:
            result.add(record)
    return result


def distinct_failures(*, orgs: int, tests_per_project: int, seed: int) -> list[Record]:
    """A failed result on ``argus.test.failed`` per distinct failure cause (a test's own and
    its flaky cause, rendered at its site), one every 250 ms of event time."""
    scenario = build_scenario(WorkloadConfig(seed=seed, orgs=orgs,
                                             tests_per_project=tests_per_project))
    rng = random.Random(seed)
    events = EventFactory(rng)
    seen, records = Expected(), []
    for project in scenario.projects:
        for test in project.tests:
            for template in (test.failure_template, test.flaky_template):
                at = START_MS + len(records) * SPACING_MS
                failure = TEMPLATES[template].render(test.site, rng, events.timestamp(at))
                value = events.test_executed(
                    project, test, at_ms=at, run_id=f"bench-run-{len(records)}",
                    commit_sha="0" * 40, commit_event_id=f"bench-commit-{len(records)}",
                    status="failed", duration_ms=rng.randrange(50, 30_000), failure=failure,
                    flaky_confidence=None)
                record = Record(Topic.TEST_FAILED.value, project.org_id.encode(), value,
                                from_epoch_ms(at))
                patterns = len(seen.texts)
                seen.add(record)
                if len(seen.texts) > patterns:  # a new text in its org: keep it
                    records.append(record)
    return records


def realistic(*, events: int, seed: int) -> list[Record]:
    """The generator's workload (bad records and re-deliveries included), input topics only."""
    config = WorkloadConfig(seed=seed, events=events, orgs=3, scale=4,
                            bad_fraction=0.01, duplicate_fraction=0.01)
    return [record for record in generate(config) if record.topic in INPUT_TOPICS]
