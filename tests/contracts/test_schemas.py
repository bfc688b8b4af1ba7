from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from argus_flink.contracts import export_schemas
from argus_flink.contracts.cli import app
from argus_flink.contracts.schemas import SCHEMA_MODELS
from argus_flink.generator import WorkloadConfig, generate
from . import samples

TOPIC_SCHEMAS = {
    "argus.test.executed": "TestExecutedEvent",
    "argus.test.failed": "TestFailedEvent",
    "argus.error.reported": "ErrorReportedEvent",
    "argus.codebase.ingested": "CodebaseIngestedEvent",
}


@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> dict[str, dict]:
    paths = export_schemas(tmp_path_factory.mktemp("schemas"))
    return {path.name.removesuffix(".schema.json"): json.loads(path.read_text()) for path in paths}


def test_one_valid_schema_file_per_model(schemas):
    assert set(schemas) == {model.__name__ for model in SCHEMA_MODELS}
    assert {"TestExecutedEvent", "Insight", "DeadLetter"} <= set(schemas)
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)


def test_generated_events_validate_against_their_schemas(schemas):
    validators = {
        topic: Draft202012Validator(schemas[name]) for topic, name in TOPIC_SCHEMAS.items()
    }
    seen = set()
    for record in generate(WorkloadConfig(events=3_000)):
        validators[record.topic].validate(json.loads(record.value))
        seen.add(record.topic)

    assert seen == set(TOPIC_SCHEMAS)


def test_schema_rejects_contract_violations(schemas):
    validator = Draft202012Validator(schemas["TestExecutedEvent"])

    assert validator.is_valid(samples.test_executed())
    assert not validator.is_valid(samples.test_executed(duration_ms="12"))
    assert not validator.is_valid(samples.test_executed(status="broken"))
    assert not validator.is_valid(samples.test_executed(flaky_confidence=1.5))
    failed = Draft202012Validator(schemas["TestFailedEvent"])
    assert not failed.is_valid(samples.test_executed(status="passed"))


def test_schemas_export_command_writes_the_files(tmp_path):
    result = CliRunner().invoke(app, ["export", str(tmp_path / "out")])

    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "TestExecutedEvent.schema.json").is_file()
    assert len(list((tmp_path / "out").glob("*.schema.json"))) == len(SCHEMA_MODELS)
