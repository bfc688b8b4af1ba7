"""JSON Schema files for every contract model, for producers that do not run Python."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from argus_flink.contracts.events import (
    BaseEvent,
    CodebaseAnalyzedEvent,
    CodebaseIngestedEvent,
    DeadLetter,
    ErrorReportedEvent,
    HealingCompletedEvent,
    HealingRequestedEvent,
    Insight,
    TestCreatedEvent,
    TestExecutedEvent,
    TestFailedEvent,
)

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    BaseEvent,
    TestExecutedEvent,
    TestFailedEvent,
    TestCreatedEvent,
    ErrorReportedEvent,
    CodebaseIngestedEvent,
    CodebaseAnalyzedEvent,
    HealingRequestedEvent,
    HealingCompletedEvent,
    Insight,
    DeadLetter,
)


def schema_for(model: type[BaseModel]) -> dict:
    """The JSON Schema of what ``model`` accepts, tagged with its dialect."""
    return {"$schema": SCHEMA_DIALECT, **model.model_json_schema(mode="validation")}


def schema_filename(model: type[BaseModel]) -> str:
    return f"{model.__name__}.schema.json"


def export_schemas(directory: Path | str) -> list[Path]:
    """Write ``<Model>.schema.json`` for every contract model into ``directory``."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for model in SCHEMA_MODELS:
        path = target / schema_filename(model)
        path.write_text(json.dumps(schema_for(model), indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
