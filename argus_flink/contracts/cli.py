"""``argus-flink schemas …``: contract tooling for the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from argus_flink.contracts.schemas import export_schemas

app = typer.Typer(name="schemas", help="Event contract schemas.", no_args_is_help=True)


@app.callback()
def _schemas() -> None:
    """Event contract schemas."""  # keeps `schemas` a group even with a single command


@app.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="directory to write *.schema.json into")],
) -> None:
    """Write one JSON Schema file per contract model."""
    for path in export_schemas(directory):
        typer.echo(path)
