"""The static side of the workload: tenants, projects, tests, coverage and the incident plan.

Everything here derives from the seed alone, so two runs with one seed describe the same world.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from enum import StrEnum

from argus_flink.generator.codebase import Codebase
from argus_flink.generator.config import WorkloadConfig
from argus_flink.generator.ids import random_uuid
from argus_flink.generator.templates import Language, Role, Site, templates_for


class Behaviour(StrEnum):
    STABLE = "stable"  # passes, except for a rare failure with its own root cause
    FLAKY = "flaky"  # flips between pass and fail on the same commit
    SKIPPED = "skipped"  # always reported as skipped


@dataclass(frozen=True, slots=True)
class TestCase:
    __test__ = False  # not a pytest test class despite the name

    test_id: str
    name: str
    file_path: str
    covers: tuple[str, ...]  # source files the test exercises
    behaviour: Behaviour
    base_duration_ms: int
    failure_template: str  # its own root cause when it fails for real
    flaky_template: str  # the timing cause behind its flaky failures
    site: Site


@dataclass(frozen=True, slots=True)
class ErrorSource:
    """One recurring application error of a project, as Sentry would report it."""

    template: str
    site: Site
    related_test_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Project:
    project_id: str
    org_id: str
    name: str
    language: Language
    repo_url: str
    source: str  # the CI system that reports its results
    source_files: tuple[str, ...]
    test_files: tuple[str, ...]
    tests: tuple[TestCase, ...]
    backend_template: str  # the cause when a shared dependency breaks
    error_sources: tuple[ErrorSource, ...]


@dataclass(frozen=True, slots=True)
class Org:
    org_id: str
    name: str
    projects: tuple[Project, ...]


@dataclass(frozen=True, slots=True)
class IncidentPlan:
    """Which rounds and subjects the injected incidents hit."""

    spike_project: Project
    spike_rounds: range
    spike_failure_rate: float
    regression_project: Project
    regression_test: TestCase
    regression_round: int
    regression_factor: float
    burst_project: Project
    burst_source: ErrorSource
    burst_round: int
    burst_size: int
    estimated_rounds: int


@dataclass(frozen=True, slots=True)
class Scenario:
    config: WorkloadConfig
    orgs: tuple[Org, ...]
    plan: IncidentPlan

    @property
    def projects(self) -> tuple[Project, ...]:
        return tuple(project for org in self.orgs for project in org.projects)


# Rates the timeline draws from; the plan needs them to estimate how long the scenario runs.
BASE_FAILURE_RATE = 0.004
FLAKY_FAILURE_RATE = 0.3
COMMIT_PROBABILITY = 0.35
ERROR_PROBABILITY = 0.25

_ORG_NAMES = ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell")
_PROJECT_NAMES = (
    "checkout-web", "billing-service", "inventory-api", "search-ui", "auth-gateway",
    "notifications", "reporting", "mobile-bff", "catalog", "shipping",
)  # fmt: skip
_NOUNS = (
    "order", "invoice", "coupon", "cart", "user", "session", "payment", "shipment",
    "report", "webhook", "product", "refund", "subscription", "address", "review",
)  # fmt: skip
_VERBS = (
    "creates", "updates", "rejects", "applies", "lists", "cancels", "refunds", "exports",
    "validates", "syncs", "archives", "renders",
)  # fmt: skip
_QUALIFIERS = (
    "", "with expired token", "when empty", "for admin", "with coupon", "on retry", "in bulk",
    "with invalid input", "after timeout", "for guest", "with pagination", "twice",
)  # fmt: skip
_FIELDS = ("id", "status", "total", "customerId", "email", "currency", "items", "owner", "sku")
_EXPECTED = ("paid", "shipped", "active", "EUR", "confirmed", "approved", "200", "closed")
_CI_SOURCES = ("github-actions", "gitlab-ci", "jenkins", "buildkite")
# Typical median duration of one test, by the kind of suite a language's project runs here.
_MEDIAN_DURATION_MS = {Language.PYTHON: 180, Language.TYPESCRIPT: 3_500, Language.JAVA: 450}


def build_scenario(config: WorkloadConfig) -> Scenario:
    rng = random.Random(f"argus:{config.seed}:scenario")
    orgs = tuple(_org(rng, config, index) for index in range(config.orgs))
    projects = [project for org in orgs for project in org.projects]
    return Scenario(config=config, orgs=orgs, plan=_plan(rng, config, projects))


def _org(rng: random.Random, config: WorkloadConfig, index: int) -> Org:
    org_id = random_uuid(rng)
    name = _ORG_NAMES[index % len(_ORG_NAMES)] + (f"-{index}" if index >= len(_ORG_NAMES) else "")
    count = rng.randint(config.min_projects_per_org, config.max_projects_per_org)
    names = rng.sample(_PROJECT_NAMES, min(count, len(_PROJECT_NAMES)))
    names += [f"service-{n}" for n in range(len(names), count)]
    projects = tuple(_project(rng, config, org_id, name, project) for project in names)
    return Org(org_id=org_id, name=name, projects=projects)


def _project(
    rng: random.Random, config: WorkloadConfig, org_id: str, org_name: str, name: str
) -> Project:
    project_id = random_uuid(rng)
    language = rng.choice(tuple(Language))
    codebase = Codebase(language, f"{org_name.replace('-', '')}.{name.split('-')[0]}")
    n_tests = config.tests_per_project_scaled
    nouns = rng.sample(_NOUNS, min(len(_NOUNS), max(3, 2 + n_tests // 25)))
    tests = _tests(rng, config, codebase, f"/home/runner/work/{name}/{name}", nouns, n_tests)
    source_files = tuple(path for noun in nouns for path in codebase.source_files(noun))
    return Project(
        project_id=project_id,
        org_id=org_id,
        name=name,
        language=language,
        repo_url=f"https://github.com/{org_name}/{name}",
        source=rng.choice(_CI_SOURCES),
        source_files=(*source_files, codebase.shared_source_file()),
        test_files=tuple(sorted({test.file_path for test in tests})),
        tests=tests,
        backend_template=rng.choice(templates_for(language, Role.BACKEND)).key,
        error_sources=_error_sources(rng, codebase, nouns, tests),
    )


def _tests(
    rng: random.Random,
    config: WorkloadConfig,
    codebase: Codebase,
    checkout: str,
    nouns: list[str],
    count: int,
) -> tuple[TestCase, ...]:
    language = codebase.language
    shared = codebase.shared_source_file()
    seen: set[str] = set()
    tests = []
    for index in range(count):
        noun = nouns[index % len(nouns)]
        words = [rng.choice(_VERBS), noun, *rng.choice(_QUALIFIERS).split()]
        name, function, path = codebase.test_identity(noun, words)
        if name in seen:  # several thousand tests outgrow the vocabulary
            name, function = f"{name} {index}", f"{function}_{index}"
        seen.add(name)
        own = codebase.source_files(noun)
        covers = tuple(rng.sample(own, rng.randint(1, len(own))))
        if rng.random() < 0.3:
            covers += (shared,)
        median_ms = _MEDIAN_DURATION_MS[language]
        tests.append(
            TestCase(
                test_id=random_uuid(rng),
                name=name,
                file_path=path,
                covers=covers,
                behaviour=_behaviour(rng, config),
                base_duration_ms=max(5, int(median_ms * rng.lognormvariate(0.0, 0.6))),
                failure_template=rng.choice(templates_for(language, Role.ASSERTION)).key,
                flaky_template=rng.choice(templates_for(language, Role.FLAKY)).key,
                site=_site(rng, codebase, checkout, noun, (path, function), covers[0]),
            )
        )
    _ensure_one_flaky(rng, tests)
    return tuple(tests)


def _behaviour(rng: random.Random, config: WorkloadConfig) -> Behaviour:
    draw = rng.random()
    if draw < config.skipped_fraction:
        return Behaviour.SKIPPED
    if draw < config.skipped_fraction + config.flaky_fraction:
        return Behaviour.FLAKY
    return Behaviour.STABLE


def _ensure_one_flaky(rng: random.Random, tests: list[TestCase]) -> None:
    # Every project has at least one flaky test, so flaky detection always has ground truth.
    if len(tests) < 10 or any(test.behaviour is Behaviour.FLAKY for test in tests):
        return
    stable = [i for i, test in enumerate(tests) if test.behaviour is Behaviour.STABLE]
    if stable:
        index = rng.choice(stable)
        tests[index] = replace(tests[index], behaviour=Behaviour.FLAKY)


def _site(
    rng: random.Random,
    codebase: Codebase,
    root: str,
    noun: str,
    caller: tuple[str, str],
    source_file: str,
) -> Site:
    """A failure site; ``caller`` is the (file, function) of the test or request handler."""
    return Site(
        root=root,
        test_file=caller[0],
        test_function=caller[1],
        test_line=rng.randint(12, 380),
        source_file=source_file,
        source_function=codebase.function_name(rng.choice(_VERBS).rstrip("s"), noun),
        source_line=rng.randint(20, 640),
        noun=noun,
        field=rng.choice(_FIELDS),
        selector=f"{noun}-{rng.choice(('submit', 'row', 'total', 'save', 'confirm'))}",
        expected=rng.choice(_EXPECTED),
        package=codebase.package,
    )


def _error_sources(
    rng: random.Random, codebase: Codebase, nouns: list[str], tests: tuple[TestCase, ...]
) -> tuple[ErrorSource, ...]:
    result = []
    for noun in rng.sample(nouns, min(3, len(nouns))):
        source_file = codebase.source_files(noun)[0]
        related = tuple(test.test_id for test in tests if source_file in test.covers)[:10]
        site = _site(rng, codebase, "/app", noun, codebase.request_handler(noun), source_file)
        template = rng.choice(templates_for(codebase.language, Role.SERVER)).key
        result.append(ErrorSource(template=template, site=site, related_test_ids=related))
    return tuple(result)


def estimated_records_per_round(config: WorkloadConfig, projects: list[Project]) -> float:
    per_round = 0.0
    for project in projects:
        n = len(project.tests)
        flaky = sum(test.behaviour is Behaviour.FLAKY for test in project.tests)
        failures = flaky * FLAKY_FAILURE_RATE + n * BASE_FAILURE_RATE
        per_round += n + failures + COMMIT_PROBABILITY + ERROR_PROBABILITY
    # Duplicates and bad records take a share of the total without advancing event time.
    return per_round / (1.0 - config.bad_fraction - config.duplicate_fraction)


def _plan(rng: random.Random, config: WorkloadConfig, projects: list[Project]) -> IncidentPlan:
    rounds = max(1, math.floor(config.events / estimated_records_per_round(config, projects)))
    spike_project = rng.choice(projects)
    others = [p for p in projects if p is not spike_project] or projects
    regression_project = rng.choice(others)
    candidates = [t for t in regression_project.tests if t.behaviour is Behaviour.STABLE]
    regression_test = rng.choice(candidates or list(regression_project.tests))
    burst_project = rng.choice(others)
    spike_first = int(0.45 * rounds)
    return IncidentPlan(
        spike_project=spike_project,
        spike_rounds=range(spike_first, spike_first + min(3, max(1, rounds // 8))),
        spike_failure_rate=0.6,
        regression_project=regression_project,
        regression_test=regression_test,
        regression_round=int(0.3 * rounds),
        regression_factor=3.0,
        burst_project=burst_project,
        burst_source=rng.choice(burst_project.error_sources),
        burst_round=int(0.65 * rounds),
        burst_size=40,
        estimated_rounds=rounds,
    )
