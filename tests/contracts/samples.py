"""Valid example values of each input contract, as JSON-ready dicts."""

from __future__ import annotations

from typing import Any

ORG = "0b7c9e52-5d1f-4b8e-9a43-2f6d1c8e7a10"
PROJECT = "6a1e4f2b-8c3d-4e5f-a617-28394a5b6c7d"


def base(event_type: str) -> dict[str, Any]:
    return {
        "event_id": "5f0c1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b",
        "event_type": event_type,
        "timestamp": "2026-11-21T10:00:00.123Z",
        "version": "1.0",
        "org_id": ORG,
        "project_id": PROJECT,
        "user_id": None,
        "correlation_id": "run-1",
        "causation_id": None,
        "source": "github-actions",
        "idempotency_key": None,
    }


def test_executed(**changes: Any) -> dict[str, Any]:
    event = {
        **base("test.executed"),
        "test_id": "t-1",
        "run_id": "run-1",
        "status": "failed",
        "duration_ms": 1234,
        "error_message": "AssertionError: assert 1 == 2",
        "stack_trace": "Traceback (most recent call last): ...",
        "screenshot_url": None,
        "is_flaky": False,
        "flaky_confidence": 0.0,
        "test_name": "test_adds",
        "file_path": "tests/test_math.py",
    }
    event.update(changes)
    return event


def error_reported(**changes: Any) -> dict[str, Any]:
    event = {
        **base("error.reported"),
        "source": "sentry",
        "error_id": "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49",
        "title": "TypeError: Cannot read properties of undefined (reading 'id')",
        "culprit": "src/services/cart.ts in addItem",
        "exception": {
            "type": "TypeError",
            "value": "Cannot read properties of undefined (reading 'id')",
            "stacktrace": "TypeError: ...\n    at addItem (src/services/cart.ts:88:31)",
        },
        "contexts": {"runtime": {"name": "node", "version": "20.11.1"}},
        "tags": {"environment": "production"},
        "related_test_ids": ["t-1"],
        "affected_files": ["src/services/cart.ts"],
    }
    event.update(changes)
    return event


def codebase_ingested(**changes: Any) -> dict[str, Any]:
    event = {
        **base("codebase.ingested"),
        "source": "github-webhook",
        "repo_url": "https://github.com/acme/shop",
        "branch": "main",
        "commit_sha": "a" * 40,
        "pr_number": 42,
        "files_changed": [
            {"path": "src/cart.ts", "change_type": "modified", "additions": 10, "deletions": 2}
        ],
        "diff_summary": "1 file changed, 10 insertions(+), 2 deletions(-)",
    }
    event.update(changes)
    return event
