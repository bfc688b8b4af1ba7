"""JSON values of the generated events, built as plain dicts for speed.

The field names and types follow contracts.md; tests parse every generated record with the
contract models, so a drift here fails loudly.
"""

from __future__ import annotations

import random
import time
from typing import Any

import pydantic_core

from argus_flink.generator.ids import random_hex, random_uuid
from argus_flink.generator.scenario import ErrorSource, Project, TestCase
from argus_flink.generator.templates import Failure, Language

_ENVIRONMENTS = ("production", "production", "staging")
_RUNTIMES = {
    Language.PYTHON: {"name": "CPython", "version": "3.11.9"},
    Language.TYPESCRIPT: {"name": "node", "version": "20.11.1"},
    Language.JAVA: {"name": "OpenJDK", "version": "21.0.2"},
}


class TimestampFormatter:
    """Epoch milliseconds to RFC 3339 with a ``Z``; caches the date part, which rarely changes."""

    def __init__(self) -> None:
        self._day = -1
        self._date = ""

    def __call__(self, ms: int) -> str:
        day, ms_of_day = divmod(ms, 86_400_000)
        if day != self._day:
            self._day = day
            self._date = time.strftime("%Y-%m-%dT", time.gmtime(day * 86_400))
        seconds, millis = divmod(ms_of_day, 1000)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        return f"{self._date}{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}Z"


def encode(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON; pydantic-core's encoder is several times faster than json.dumps."""
    return pydantic_core.to_json(document)


class EventFactory:
    """Builds the JSON bytes of each event type; all randomness comes from the given rng."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.timestamp = TimestampFormatter()

    def _base(
        self,
        event_type: str,
        at_ms: int,
        project: Project,
        source: str,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        return {
            "event_id": event_id or random_uuid(self._rng),
            "event_type": event_type,
            "timestamp": self.timestamp(at_ms),
            "version": "1.0",
            "org_id": project.org_id,
            "project_id": project.project_id,
            "user_id": None,
            "correlation_id": None,
            "causation_id": None,
            "source": source,
            "idempotency_key": None,
        }

    def test_executed(
        self,
        project: Project,
        test: TestCase,
        *,
        at_ms: int,
        run_id: str,
        commit_sha: str,
        commit_event_id: str,
        status: str,
        duration_ms: int,
        failure: Failure | None,
        flaky_confidence: float | None,
    ) -> bytes:
        document = self._base("test.executed", at_ms, project, project.source)
        document["correlation_id"] = run_id
        document["causation_id"] = commit_event_id
        document["idempotency_key"] = f"{run_id}:{test.test_id}"
        document["test_id"] = test.test_id
        document["run_id"] = run_id
        document["status"] = status
        document["duration_ms"] = duration_ms
        document["error_message"] = failure.message if failure else None
        document["stack_trace"] = failure.stack_trace if failure else None
        document["screenshot_url"] = (
            f"https://artifacts.argus.dev/{project.org_id}/{run_id}/{test.test_id}.png"
            if failure and project.language is Language.TYPESCRIPT
            else None
        )
        document["is_flaky"] = flaky_confidence is not None
        document["flaky_confidence"] = flaky_confidence or 0.0
        document["test_name"] = test.name
        document["file_path"] = test.file_path
        document["commit_sha"] = commit_sha
        return encode(document)

    def error_reported(
        self, project: Project, source: ErrorSource, failure: Failure, *, at_ms: int
    ) -> bytes:
        rng = self._rng
        document = self._base("error.reported", at_ms, project, "sentry")
        first_line = failure.exception_value.split("\n", 1)[0]
        document["error_id"] = random_hex(rng, 32)
        document["title"] = f"{failure.exception_type}: {first_line}"
        document["culprit"] = f"{source.site.source_file} in {source.site.source_function}"
        document["exception"] = {
            "type": failure.exception_type,
            "value": failure.exception_value,
            "stacktrace": failure.stack_trace,
        }
        document["contexts"] = {
            "runtime": _RUNTIMES[project.language],
            "os": {"name": "Linux", "kernel_version": "6.8.0-1017-aws"},
        }
        document["tags"] = {
            "environment": rng.choice(_ENVIRONMENTS),
            "release": f"{project.name}@1.{rng.randrange(20, 24)}.{rng.randrange(0, 10)}",
            "level": "error",
            "server_name": f"{project.name}-{random_hex(rng, 5)}",
        }
        document["related_test_ids"] = list(source.related_test_ids)
        document["affected_files"] = [source.site.source_file]
        return encode(document)

    def codebase_ingested(
        self,
        project: Project,
        *,
        at_ms: int,
        event_id: str,
        commit_sha: str,
        branch: str,
        pr_number: int | None,
        files_changed: list[dict[str, Any]],
    ) -> bytes:
        # The id is chosen by the caller: test results name it as their causation_id.
        document = self._base("codebase.ingested", at_ms, project, "github-webhook", event_id)
        document["idempotency_key"] = commit_sha
        additions = sum(change["additions"] for change in files_changed)
        deletions = sum(change["deletions"] for change in files_changed)
        document["repo_url"] = project.repo_url
        document["branch"] = branch
        document["commit_sha"] = commit_sha
        document["pr_number"] = pr_number
        document["files_changed"] = files_changed
        document["diff_summary"] = (
            f"{len(files_changed)} files changed, "
            f"{additions} insertions(+), {deletions} deletions(-)"
        )
        return encode(document)

