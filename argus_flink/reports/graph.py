"""The knowledge graph as rich tables: the `argus-flink graph …` commands and the demo use these.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table

from argus_flink.graph.queries import BlastRadius, ErrorReport, GraphQueries, TestImpact


def _rate(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def _text(value: object) -> str:
    return "–" if value is None else str(value)


def impact_table(org_id: str, path: str, tests: list[TestImpact]) -> Table:
    table = Table(title=f"tests covering {path} (org {org_id}), riskiest first")
    table.add_column("test", overflow="fold")
    table.add_column("recent failure rate", justify="right")
    table.add_column("recent runs", justify="right")
    table.add_column("last status")
    table.add_column("last run")
    table.add_column("test id", overflow="fold")
    for test in tests:
        table.add_row(_text(test.name), _rate(test.recent_failure_rate),
                      _text(test.recent_runs), _text(test.last_status),
                      _text(test.last_run_at), test.test_id)
    return table


def blast_radius_tables(radius: BlastRadius) -> Group:
    changed = Table(title=f"commit {radius.sha} (org {radius.org_id}, branch "
                          f"{_text(radius.branch)}, {_text(radius.at)}): files changed")
    changed.add_column("file", overflow="fold")
    changed.add_column("change")
    changed.add_column("+/-", justify="right")
    for change in radius.changed:
        changed.add_row(change.path, _text(change.change_type),
                        f"+{_text(change.additions)}/-{_text(change.deletions)}")
    covering = Table(title="tests covering the changed files")
    covering.add_column("test", overflow="fold")
    covering.add_column("recent failure rate", justify="right")
    covering.add_column("covers", overflow="fold")
    for test in radius.covering:
        covering.add_row(_text(test.name or test.test_id), _rate(test.recent_failure_rate),
                         ", ".join(test.paths))
    failed = Table(title="tests that failed in runs of this commit")
    failed.add_column("test", overflow="fold")
    failed.add_column("status")
    failed.add_column("at")
    failed.add_column("run", overflow="fold")
    for run in radius.failed:
        failed.add_row(_text(run.name or run.test_id), run.status, _text(run.at), run.run_id)
    return Group(changed, covering, failed)


def error_tables(report: ErrorReport) -> Group:
    tests = Table(title=f"{_text(report.error_type)}: {_text(report.sample_message)} "
                        f"(org {report.org_id}, {_text(report.occurrences)} occurrences, "
                        f"{_text(report.first_seen)} – {_text(report.last_seen)}): "
                        "tests failing with it")
    tests.add_column("test", overflow="fold")
    tests.add_column("occurrences", justify="right")
    tests.add_column("last seen")
    for test in report.tests:
        tests.add_row(_text(test.name or test.test_id), _text(test.occurrences),
                      _text(test.last_seen))
    files = Table(title="files it affects")
    files.add_column("file", overflow="fold")
    for path in report.files:
        files.add_row(path)
    return Group(tests, files)


def impact_report(queries: GraphQueries, org_id: str | None = None, path: str | None = None,
                  console: Console | None = None) -> Table | None:
    """One impact query for the demo: by default the first org's most covered file.

    Returns the table (None when the graph has nothing to show yet) and prints it on
    ``console`` when one is given.
    """
    if org_id is None:
        orgs = queries.orgs()
        if not orgs:
            return None
        org_id = orgs[0]
    if path is None:
        files = queries.most_covered_files(org_id, limit=1)
        if not files:
            return None
        path = files[0][0]
    table = impact_table(org_id, path, queries.impact(org_id, path, limit=20))
    if console is not None:
        console.print(table)
    return table
