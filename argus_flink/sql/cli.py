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
