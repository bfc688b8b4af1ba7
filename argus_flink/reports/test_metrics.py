"""The latest test-metrics window of every project, from PostgreSQL, as a rich table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from rich.table import Table

from argus_flink.settings import StackSettings

# DISTINCT ON keeps the first row of each (org, project) in ORDER BY order: the newest window.
_LATEST = """
SELECT DISTINCT ON (org_id, project_id)
       org_id, project_id, window_start, window_end, total, passed, failed, skipped,
       errored, flaky, pass_rate, avg_duration_ms, p95_duration_ms
FROM test_metrics
WHERE %(org_id)s::text IS NULL OR org_id = %(org_id)s
ORDER BY org_id, project_id, window_start DESC
LIMIT %(limit)s
"""


@dataclass(frozen=True)
class WindowRow:
    org_id: str
    project_id: str
    window_start: datetime
    window_end: datetime
    total: int
    passed: int
    failed: int
    skipped: int
    errored: int
    flaky: int
    pass_rate: float | None
    avg_duration_ms: float
    p95_duration_ms: float


def latest_windows(dsn: str, *, org_id: str | None = None, limit: int = 50) -> list[WindowRow]:
    """The newest window per (org, project); one org's only when ``org_id`` is given."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(_LATEST, {"org_id": org_id, "limit": limit}).fetchall()
    return [WindowRow(*row) for row in rows]


def windows_table(rows: list[WindowRow], *, title: str) -> Table:
    table = Table(title=title)
    for name in ("org", "project", "window (UTC)"):
        table.add_column(name, overflow="fold")
    for name in ("tests", "passed", "failed", "skipped", "errored", "flaky", "pass rate",
                 "avg ms", "p95 ms"):
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(
            _short(row.org_id), _short(row.project_id) or "(none)",
            f"{row.window_start:%Y-%m-%d %H:%M}–{row.window_end:%H:%M}",
            str(row.total), str(row.passed), str(row.failed), str(row.skipped),
            str(row.errored), str(row.flaky),
            "–" if row.pass_rate is None else f"{row.pass_rate:.1%}",
            f"{row.avg_duration_ms:,.0f}", f"{row.p95_duration_ms:,.0f}",
        )
    return table


def latest_windows_table(settings: StackSettings, *, org_id: str | None = None,
                         limit: int = 50) -> Table:
    """The demo's section: the newest window of each project (of one org, if given)."""
    rows = latest_windows(settings.postgres_dsn, org_id=org_id, limit=limit)
    title = "latest 5-minute test-metrics window per project"
    if not rows:
        title += " (none written yet)"
    return windows_table(rows, title=title)


def _short(identifier: str) -> str:
    """UUIDs shortened to their first block, which is enough to tell rows apart on screen."""
    return identifier.split("-", 1)[0] if len(identifier) == 36 else identifier
