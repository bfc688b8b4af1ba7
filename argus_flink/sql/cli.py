"""`argus-flink sql …`: run SQL scripts on the local cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from argus_flink.console import console, err_console
from argus_flink.settings import load_settings
from argus_flink.sql.script import split_statements
from argus_flink.submit import SubmitError, flink_run

app = typer.Typer(help="Render, validate and run Flink SQL scripts.", no_args_is_help=True)


@app.command()
def run(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    name: Annotated[Optional[str], typer.Option(help="job name in the Web UI")] = None,
) -> None:
    """Run a SQL script statement by statement on the local cluster, as the SQL client does."""
    try:
        split_statements(file.read_text())  # fail fast on an unbalanced STATEMENT SET
    except SyntaxError as exc:
        err_console.print(f"[red]{file}: {exc}[/]")
        raise typer.Exit(1) from exc
    args = [str(file.resolve())] + (["--name", name] if name else [])
    try:
        job_id = flink_run(load_settings(), "argus_flink.sql.runner", args)
    except SubmitError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    console.print(f"submitted job {job_id}")


_JOB_OPTIONS = {"allow_extra_args": True, "ignore_unknown_options": True}


def _render_job(job: str, job_args: list[str], sql_dir: Path | None):
    """Render a SQL job through its own module: ``render_sql(parse_config(args))``."""
    import importlib

    from argus_flink.catalog import UnknownJobError, job_spec
    from argus_flink.sql.render import SQL_DIR

    try:
        spec = job_spec(job)
    except UnknownJobError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    module = importlib.import_module(spec.module) if spec.exists() else None
    if module is None or not hasattr(module, "render_sql"):
        err_console.print(f"[red]{job} is not a SQL job in this build[/]")
        raise typer.Exit(1)
    try:
        return module.render_sql(module.parse_config(job_args), sql_dir=sql_dir or SQL_DIR)
    except (KeyError, ValueError, FileNotFoundError) as exc:  # a missing ${VAR}, a bad option
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc


@app.command(context_settings=_JOB_OPTIONS)
def render(
    ctx: typer.Context,
    job: Annotated[str, typer.Argument(help="a SQL job, e.g. test-metrics")],
    sql_dir: Annotated[Optional[Path], typer.Option(help="read sql/<job>/ from here")] = None,
) -> None:
    """Print a SQL job as one runnable script; extra options go to the job (see JOB --help)."""
    typer.echo(_render_job(job, ctx.args, sql_dir).text, nl=False)


@app.command(context_settings=_JOB_OPTIONS)
def validate(
    ctx: typer.Context,
    job: Annotated[str, typer.Argument(help="a SQL job, e.g. test-metrics")],
    sql_dir: Annotated[Optional[Path], typer.Option(help="read sql/<job>/ from here")] = None,
    plan: Annotated[bool, typer.Option(help="print the optimized plan")] = False,
) -> None:
    """Check a SQL job with Flink's planner (EXPLAIN), without a cluster; errors name file:line."""
    from argus_flink.sql.pipeline import explain_script
    from argus_flink.sql.render import SqlJobError

    script = _render_job(job, ctx.args, sql_dir)
    try:
        explained = explain_script(script, load_settings())
    except SqlJobError as exc:
        err_console.print(f"[red]{exc}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    if plan:
        typer.echo(explained)
    console.print(f"{job}: {len(script.statements())} statements, the planner accepts them")
