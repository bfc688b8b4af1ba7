"""The pure, seeded workload: ``generate(config)`` yields Kafka records, deterministically.

Shape of the stream: CI rounds in event time (timeline) -> shuffled within the disorder bound,
with duplicates and bad records mixed in (delivery) -> cut at ``config.events`` records.
No wall clock is read anywhere, so one seed and one config always give the same bytes.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

from argus_flink.generator.config import WorkloadConfig
from argus_flink.generator.delivery import deliver
from argus_flink.generator.manifest import Manifest, ManifestRecorder
from argus_flink.generator.record import Record
from argus_flink.generator.scenario import Scenario, build_scenario
from argus_flink.generator.timeline import Timeline


class Workload:
    """One seeded scenario: iterate ``records()``, then read its ``manifest()``."""

    def __init__(self, config: WorkloadConfig) -> None:
        self.config = config
        self.scenario: Scenario = build_scenario(config)
        self._recorder = ManifestRecorder(self.scenario)
        self._complete = False

    def records(self) -> Iterator[Record]:
        config = self.config
        self._recorder.reset()
        self._complete = False
        timeline = Timeline(self.scenario)
        items = deliver(
            timeline.rounds(),
            random.Random(f"argus:{config.seed}:delivery"),
            max_disorder_ms=int(config.max_disorder.total_seconds() * 1000),
            duplicate_fraction=config.duplicate_fraction,
            bad_fraction=config.bad_fraction,
        )
        observe = self._recorder.observe
        for item in itertools.islice(items, config.events):
            observe(item)
            yield item.record
        self._recorder.add_notes(timeline.notes)
        self._complete = True

    def manifest(self) -> Manifest:
        """Ground truth of the records emitted; complete once ``records()`` is exhausted."""
        if not self._complete:
            raise RuntimeError("iterate records() to the end before reading the manifest")
        return self._recorder.manifest()


def generate(config: WorkloadConfig) -> Iterator[Record]:
    """The records of ``config``'s workload, without its manifest."""
    return Workload(config).records()


def generate_with_manifest(config: WorkloadConfig) -> tuple[list[Record], Manifest]:
    """All records in memory plus the manifest; for tests and small scenarios."""
    workload = Workload(config)
    records = list(workload.records())
    return records, workload.manifest()
