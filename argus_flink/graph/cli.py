"""`argus-flink graph …`: the questions users ask the knowledge graph, always within one org."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Annotated, Any

import typer

from argus_flink.console import console, err_console

app = typer.Typer(name="graph", no_args_is_help=True,
                  help="Query the test and code knowledge graph (always within one org), "
                       "or set up its constraints.")

Org = Annotated[str, typer.Option("--org", help="the org (tenant) to answer for")]
AsJson = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]


def _run(query: Callable[[Any], Any]) -> Any:
    # Imported here: the driver is heavy, and `argus-flink --help` should stay quick.
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    from argus_flink.graph.queries import open_queries

    try:
        with open_queries() as queries:
            return query(queries)
    except (ServiceUnavailable, Neo4jError) as exc:
        err_console.print(f"[red]cannot query the graph: {exc}[/]")
        raise typer.Exit(1) from exc


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(dataclasses.asdict(value) if dataclasses.is_dataclass(value)
                          else [dataclasses.asdict(item) for item in value], indent=2))


@app.command()
def impact(org: Org,
           file: Annotated[str, typer.Option("--file", help="a file path, as in the repo")],
           limit: Annotated[int, typer.Option("--limit", min=1,
                                              help="show the riskiest N tests")] = 50,
           as_json: AsJson = False) -> None:
    """Tests that cover FILE, with their recent failure rates (riskiest first)."""
    from argus_flink.reports.graph import impact_table

    tests = _run(lambda queries: queries.impact(org, file, limit=limit))
    if as_json:
        _print_json(tests)
    elif not tests:
        console.print(f"no test of org {org} is known to cover {file}")
    else:
        console.print(impact_table(org, file, tests))


@app.command("blast-radius")
def blast_radius(org: Org,
                 commit: Annotated[str, typer.Option("--commit", help="the commit sha")],
                 as_json: AsJson = False) -> None:
    """Files COMMIT changed, tests covering them, and tests that failed in its runs."""
    from argus_flink.reports.graph import blast_radius_tables

    radius = _run(lambda queries: queries.blast_radius(org, commit))
    if as_json:
        _print_json(radius)
    elif not radius.found and not radius.failed:
        console.print(f"org {org} has no commit {commit} in the graph")
    else:
        console.print(blast_radius_tables(radius))


@app.command()
def error(org: Org,
          fingerprint: Annotated[str, typer.Option("--fingerprint",
                                                   help="the failure fingerprint")],
          as_json: AsJson = False) -> None:
    """Tests failing with the error FINGERPRINT, and the files it affects."""
    from argus_flink.reports.graph import error_tables

    report = _run(lambda queries: queries.error(org, fingerprint))
    if as_json:
        _print_json(report)
    elif not report.found and not report.tests:
        console.print(f"org {org} has no error {fingerprint} in the graph")
    else:
        console.print(error_tables(report))


@app.command()
def schema() -> None:
    """Create the graph's uniqueness constraints and indexes (safe to run again)."""
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    from argus_flink.endpoints import load_endpoints
    from argus_flink.graph.schema import apply_schema
    from argus_flink.graph.writer import GraphTarget

    target = GraphTarget.from_endpoints(load_endpoints())
    try:
        with target.driver() as driver:
            names = apply_schema(driver, target.database)
    except (ServiceUnavailable, Neo4jError) as exc:
        err_console.print(f"[red]cannot set up the graph schema: {exc}[/]")
        raise typer.Exit(1) from exc
    console.print(f"graph schema in place on {target.uri} ({target.database}): "
                  + ", ".join(names))
