"""The most recent anomalies the anomaly-flags job wrote to PostgreSQL, as a rich table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from rich.table import Table

from argus_flink.endpoints import load_endpoints
from argus_flink.settings import StackSettings

# Newest first by detection time; the (org_id, detected_at) index serves the per-org query.
_RECENT = """
SELECT insight_id, org_id, project_id, anomaly_kind, subject, observed, baseline, score,
       severity, window_start, detected_at
FROM anomalies
WHERE %(org_id)s::text IS NULL OR org_id = %(org_id)s
ORDER BY detected_at DESC, insight_id
LIMIT %(limit)s
"""

_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "dim"}
# How each kind's observed value and baseline read on screen.
_UNITS = {
    "failure_rate_spike": lambda v: f"{v:.0%}",
    "duration_regression": lambda v: f"{v:,.0f} ms",
    "flaky_test": lambda v: f"{v:.0%} flips",
    "error_burst": lambda v: f"{v:,.1f} errors",
}


@dataclass(frozen=True)
class AnomalyRow:
    insight_id: str
    org_id: str
    project_id: str | None
    anomaly_kind: str
    subject: str
    observed: float | None
    baseline: float | None
    score: float | None
    severity: str
    window_start: datetime | None
    detected_at: datetime


def recent_anomalies(dsn: str, *, org_id: str | None = None,
                     limit: int = 30) -> list[AnomalyRow]:
    """The newest anomalies; one org's only when ``org_id`` is given."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(_RECENT, {"org_id": org_id, "limit": limit}).fetchall()
    return [AnomalyRow(*row) for row in rows]


def anomalies_table_of(rows: list[AnomalyRow], *, title: str) -> Table:
    table = Table(title=title)
    for name in ("detected (UTC)", "org", "project", "kind", "subject"):
        table.add_column(name, overflow="fold")
    for name in ("observed", "baseline", "score"):
        table.add_column(name, justify="right")
    table.add_column("severity")
    for row in rows:
        unit = _UNITS.get(row.anomaly_kind, lambda v: f"{v:g}")
        table.add_row(
            f"{row.detected_at:%Y-%m-%d %H:%M}", _short(row.org_id),
            _short(row.project_id) if row.project_id else "(none)", row.anomaly_kind,
            _short(row.subject), _value(row.observed, unit), _value(row.baseline, unit),
            _value(row.score, lambda v: f"{v:.1f}"),
            f"[{_SEVERITY_STYLE.get(row.severity, '')}]{row.severity}[/]",
        )
    return table


def anomalies_table(settings: StackSettings, *, org_id: str | None = None,
                    limit: int = 30) -> Table:
    """The demo's section: the most recent anomalies (of one org, if given)."""
    dsn = load_endpoints(settings).postgres_dsn.get_secret_value()
    rows = recent_anomalies(dsn, org_id=org_id, limit=limit)
    title = f"the {limit} most recent anomalies, newest first"
    if not rows:
        title += " (none found yet)"
    return anomalies_table_of(rows, title=title)


def _value(value: float | None, render) -> str:
    return "–" if value is None else render(value)


def _short(identifier: str) -> str:
    """UUIDs shortened to their first block, which is enough to tell rows apart on screen."""
    return identifier.split("-", 1)[0] if len(identifier) == 36 else identifier
