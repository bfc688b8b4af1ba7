"""Ground truth of one generated workload, written next to the data for tests to check against."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from argus_flink.contracts.events import AnomalyKind, UtcTimestamp
from argus_flink.generator.config import WorkloadConfig
from argus_flink.generator.defects import EXPECTED_REASON, Defect
from argus_flink.generator.record import Emission, Item, from_epoch_ms
from argus_flink.generator.scenario import Behaviour, Org, Project, Scenario
from argus_flink.generator.timeline import BURST_TAG, FLAKY_TAG_PREFIX, REGRESSION_TAG, SPIKE_TAG


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Incident(_Frozen):
    kind: AnomalyKind
    org_id: str
    project_id: str
    subject: str  # a test id, or the project id for project-wide incidents
    start: UtcTimestamp  # event time of the first affected record
    end: UtcTimestamp  # event time of the last affected record
    details: dict[str, Any] = Field(default_factory=dict)


class TestInfo(_Frozen):
    __test__ = False

    test_id: str
    name: str
    file_path: str
    covers: list[str]
    behaviour: Behaviour


class ProjectInfo(_Frozen):
    project_id: str
    name: str
    language: str
    repo_url: str
    source_files: list[str]
    tests: list[TestInfo]


class OrgInfo(_Frozen):
    org_id: str
    name: str
    projects: list[ProjectInfo]


class RecordCounts(_Frozen):
    total: int
    by_topic: dict[str, int]
    duplicates: int
    bad: dict[str, int]  # by Defect
    bad_expected_reason: dict[str, str]  # Defect -> the DeadLetter reason parse() gives it


class Manifest(_Frozen):
    seed: int
    config: dict[str, Any]
    start: UtcTimestamp | None  # smallest event time emitted
    end: UtcTimestamp | None  # largest event time emitted
    max_out_of_orderness_ms: int
    records: RecordCounts
    orgs: list[OrgInfo]
    coverage: dict[str, list[str]]  # test id -> the source files it covers
    incidents: list[Incident]

    def incidents_of(self, kind: AnomalyKind | str) -> list[Incident]:
        return [incident for incident in self.incidents if incident.kind == kind]


def write_manifest(manifest: Manifest, path: Path | str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return target


def load_manifest(path: Path | str) -> Manifest:
    return Manifest.model_validate_json(Path(path).read_text(encoding="utf-8"))


class ManifestRecorder:
    """Watches the emitted items and turns what it saw into a Manifest."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.reset()

    def reset(self) -> None:
        self._total = 0
        self._by_topic: Counter[str] = Counter()
        self._duplicates = 0
        self._bad: Counter[str] = Counter()
        self._first: int | None = None
        self._last: int | None = None
        self._spans: dict[str, list[int]] = {}
        self._notes: dict[str, dict[str, Any]] = {}

    def observe(self, item: Item) -> None:
        self._total += 1
        self._by_topic[item.record.topic] += 1
        if item.emission is Emission.DUPLICATE:
            self._duplicates += 1
        elif item.emission is Emission.BAD:
            self._bad[item.record.defect or "unknown"] += 1
        at = item.at_ms
        if self._first is None or at < self._first:
            self._first = at
        if self._last is None or at > self._last:
            self._last = at
        for tag in item.tags:
            span = self._spans.get(tag)
            if span is None:
                self._spans[tag] = [at, at]
            elif at < span[0]:
                span[0] = at
            elif at > span[1]:
                span[1] = at

    def add_notes(self, notes: dict[str, dict[str, Any]]) -> None:
        self._notes = dict(notes)

    def manifest(self) -> Manifest:
        config = self.scenario.config
        return Manifest(
            seed=config.seed,
            config=_config_dict(config),
            start=from_epoch_ms(self._first) if self._first is not None else None,
            end=from_epoch_ms(self._last) if self._last is not None else None,
            max_out_of_orderness_ms=int(config.max_disorder.total_seconds() * 1000),
            records=RecordCounts(
                total=self._total,
                by_topic=dict(sorted(self._by_topic.items())),
                duplicates=self._duplicates,
                bad=dict(sorted(self._bad.items())),
                bad_expected_reason={d.value: EXPECTED_REASON[d].value for d in Defect},
            ),
            orgs=[_org_info(org) for org in self.scenario.orgs],
            coverage={
                test.test_id: list(test.covers)
                for project in self.scenario.projects
                for test in project.tests
            },
            incidents=self._incidents(),
        )

    def _span(self, tag: str) -> tuple[datetime, datetime] | None:
        span = self._spans.get(tag)
        return (from_epoch_ms(span[0]), from_epoch_ms(span[1])) if span else None

    def _incidents(self) -> list[Incident]:
        plan = self.scenario.plan
        incidents = []
        if span := self._span(SPIKE_TAG):
            project = plan.spike_project
            details = {
                "failure_rate": plan.spike_failure_rate,
                "template": project.backend_template,
                **self._notes.get(SPIKE_TAG, {}),
            }
            kind = AnomalyKind.FAILURE_RATE_SPIKE
            incidents.append(_incident(kind, project, project.project_id, span, details))
        if span := self._span(REGRESSION_TAG):
            test = plan.regression_test
            details = {"factor": plan.regression_factor, "base_duration_ms": test.base_duration_ms}
            kind = AnomalyKind.DURATION_REGRESSION
            incidents.append(_incident(kind, plan.regression_project, test.test_id, span, details))
        if span := self._span(BURST_TAG):
            project = plan.burst_project
            details = {"errors": plan.burst_size, "template": plan.burst_source.template}
            incidents.append(
                _incident(AnomalyKind.ERROR_BURST, project, project.project_id, span, details)
            )
        for project in self.scenario.projects:
            for test in project.tests:
                span = self._span(FLAKY_TAG_PREFIX + test.test_id)
                if test.behaviour is Behaviour.FLAKY and span:
                    details = {"template": test.flaky_template}
                    incidents.append(
                        _incident(AnomalyKind.FLAKY_TEST, project, test.test_id, span, details)
                    )
        return incidents


def _incident(
    kind: AnomalyKind,
    project: Project,
    subject: str,
    span: tuple[datetime, datetime],
    details: dict[str, Any],
) -> Incident:
    start, end = span
    return Incident(
        kind=kind,
        org_id=project.org_id,
        project_id=project.project_id,
        subject=subject,
        start=start,
        end=end,
        details=details,
    )


def _org_info(org: Org) -> OrgInfo:
    return OrgInfo(
        org_id=org.org_id,
        name=org.name,
        projects=[
            ProjectInfo(
                project_id=project.project_id,
                name=project.name,
                language=project.language.value,
                repo_url=project.repo_url,
                source_files=list(project.source_files),
                tests=[
                    TestInfo(
                        test_id=test.test_id,
                        name=test.name,
                        file_path=test.file_path,
                        covers=list(test.covers),
                        behaviour=test.behaviour,
                    )
                    for test in project.tests
                ],
            )
            for project in org.projects
        ],
    )


def _config_dict(config: WorkloadConfig) -> dict[str, Any]:
    result = {}
    for name, value in asdict(config).items():
        if isinstance(value, timedelta):
            result[f"{name}_seconds"] = value.total_seconds()
        elif isinstance(value, datetime):
            result[name] = value.isoformat().replace("+00:00", "Z")
        else:
            result[name] = value
    return result
