"""Step 1 (project venv): the benchmark's failure texts, as the job would embed them.

Renders every failure cause of a generated scenario (each test's own and flaky causes, each
project's backend cause and Sentry errors) plus the labelled test fixtures, normalises them
with ``udfs.failure_text`` and writes the distinct texts to ``<work>/texts.json``.

    .venv/bin/python bench/embeddings/make_texts.py /tmp/argus-bench
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from argus_flink.generator.config import WorkloadConfig
from argus_flink.generator.scenario import build_scenario
from argus_flink.generator.templates import TEMPLATES
from udfs.failure_text import failure_text, parts_from_test_executed

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "udfs" / "fixtures" / "labelled_failures.json"
MAX_TEXTS = 512


def scenario_texts(seed: int = 7) -> list[str]:
    scenario = build_scenario(WorkloadConfig(seed=seed, orgs=4, tests_per_project=60))
    rng = random.Random(seed)
    texts = []
    for project in scenario.projects:
        causes = [(t.failure_template, t.site) for t in project.tests]
        causes += [(t.flaky_template, t.site) for t in project.tests]
        causes += [(project.backend_template, t.site) for t in project.tests[:10]]
        causes += [(source.template, source.site) for source in project.error_sources]
        for template, site in causes:
            failure = TEMPLATES[template].render(site, rng, "2026-11-21T10:00:00.000Z")
            parts = parts_from_test_executed(
                {"error_message": failure.message, "stack_trace": failure.stack_trace})
            texts.append(failure_text(parts))
    return texts


def labelled_texts() -> list[str]:
    failures = json.loads(LABELLED.read_text())["failures"]
    return [failure_text(parts_from_test_executed(failure)) for failure in failures]


def main(work: Path) -> None:
    distinct = list(dict.fromkeys(labelled_texts() + scenario_texts()))[:MAX_TEXTS]
    work.mkdir(parents=True, exist_ok=True)
    (work / "texts.json").write_text(json.dumps(distinct, indent=1))
    print(f"{len(distinct)} distinct failure texts -> {work / 'texts.json'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
