"""The generator's one frozen config: everything that shapes the synthetic workload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_START = datetime(2026, 11, 21, tzinfo=UTC)


def parse_start(text: str) -> datetime:
    """An ISO-8601 instant; naive values are read as UTC."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class WorkloadConfig:
    seed: int = 42
    events: int = 10_000  # total records emitted, duplicates and bad records included
    start: datetime = DEFAULT_START  # event time of the first CI round, never the wall clock
    orgs: int = 3
    min_projects_per_org: int = 2
    max_projects_per_org: int = 3
    tests_per_project: int = 40
    scale: int = 1  # multiplies tests_per_project; 10 gives a few thousand tests
    run_interval: timedelta = timedelta(minutes=10)  # each project runs its suite once per round
    max_disorder: timedelta = timedelta(seconds=10)  # bound on out-of-order delivery
    bad_fraction: float = 0.0
    duplicate_fraction: float = 0.0
    flaky_fraction: float = 0.06
    skipped_fraction: float = 0.04

    def __post_init__(self) -> None:
        if self.events < 0:
            raise ValueError("events must be >= 0")
        if self.start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if self.orgs < 1 or self.tests_per_project < 1 or self.scale < 1:
            raise ValueError("orgs, tests_per_project and scale must be >= 1")
        if not 1 <= self.min_projects_per_org <= self.max_projects_per_org:
            raise ValueError("need 1 <= min_projects_per_org <= max_projects_per_org")
        if self.run_interval < timedelta(minutes=5):
            raise ValueError("run_interval must be at least 5 minutes to fit a run and a burst")
        if self.max_disorder < timedelta(0):
            raise ValueError("max_disorder must be >= 0")
        for name in ("bad_fraction", "duplicate_fraction", "flaky_fraction", "skipped_fraction"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1)")
        if self.bad_fraction + self.duplicate_fraction >= 0.5:
            raise ValueError("bad_fraction + duplicate_fraction must stay below 0.5")

    @property
    def tests_per_project_scaled(self) -> int:
        return self.tests_per_project * self.scale
