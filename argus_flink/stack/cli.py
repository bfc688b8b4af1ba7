"""`argus-flink setup | up | down | status | logs`."""

from __future__ import annotations

import json
import time
from collections import deque
from typing import Annotated, Optional

import typer
from rich.table import Table

from argus_flink.console import console, err_console
from argus_flink.install import ArtifactError, ensure_installed
from argus_flink.settings import load_settings
from argus_flink.stack import stack
from argus_flink.stack.process import PortBusyError
from argus_flink.stack.service import ServiceError


def setup() -> None:
    """Install the pinned connector jars, broker, graph server and model files (idempotent)."""
    settings = load_settings()
    started = time.monotonic()
    try:
        installed = ensure_installed(settings.tools)
    except ArtifactError as exc:
        err_console.print(f"[red]setup failed:[/] {exc}")
        raise typer.Exit(1) from exc
    what = ", ".join(installed) if installed else "nothing to do"
    console.print(f"setup: {what} ({time.monotonic() - started:.1f}s); tools in {settings.tools}")


def up() -> None:
    """Start the local stack (idempotent) and wait until every service answers."""
    settings = load_settings()
    started = time.monotonic()
    try:
        ensure_installed(settings.tools)
        with console.status("starting broker, PostgreSQL, graph server and Flink…"):
            results = stack.up(settings)
    except (ArtifactError, PortBusyError, ServiceError) as exc:
        err_console.print(f"[red]up failed:[/] {exc}")
        raise typer.Exit(1) from exc
    for result in results:
        console.print(f"  {result.service:<9} {'started' if result.started else 'already running'}")
    console.print(f"stack up in {time.monotonic() - started:.1f}s; "
                  f"Flink Web UI: [link]{settings.flink_rest_url}[/link]")


def down() -> None:
    """Stop the processes this stack started (by pid), leaving their data in place."""
    stopped = stack.down(load_settings())
    console.print(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'}")


def status(as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False) -> None:
    """Health and URL of every service, and the running Flink jobs."""
    report = stack.status(load_settings())
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        table = Table("service", "healthy", "url", "detail", title="Argus local stack")
        for name, svc in report["services"].items():
            table.add_row(name, "[green]yes[/]" if svc["healthy"] else "[red]no[/]", svc["url"],
                          svc["detail"])
        console.print(table)
        if report["jobs"]:
            jobs = Table("job", "state", "id", "last checkpoint", "last savepoint",
                         title="Flink jobs")
            for job in report["jobs"]:
                jobs.add_row(job["name"], job["state"], job["id"],
                             _checkpoint_cell(job.get("last_checkpoint")),
                             _checkpoint_cell(job.get("last_savepoint")))
            console.print(jobs)
    if not report["healthy"]:
        raise typer.Exit(1)


def _checkpoint_cell(checkpoint: dict | None) -> str:
    """``#12 at 10:04:05 UTC`` plus the path, or a dash when there is none yet."""
    if not checkpoint:
        return "-"
    at = (checkpoint["completed_at"] or "")[11:19]
    return f"#{checkpoint['id']} at {at} UTC\n{checkpoint['path'] or ''}".rstrip()


def logs(
    service: Annotated[Optional[str], typer.Argument(help="broker, postgres, graph or flink")] = None,
    lines: Annotated[int, typer.Option("--lines", "-n")] = 40,
) -> None:
    """Show the last lines of each service's log files."""
    settings = load_settings()
    try:
        members = [stack.service_named(settings, service)] if service else stack.services(settings)
    except KeyError as exc:
        err_console.print(f"[red]{exc.args[0]}[/]")
        raise typer.Exit(2) from exc
    for member in members:
        for path in member.log_files():
            console.rule(f"{member.name}: {path}")
            with path.open(errors="replace") as f:
                for line in deque(f, maxlen=lines):
                    console.out(line.rstrip("\n"), highlight=False)


def register(app: typer.Typer) -> None:
    for command in (setup, up, down, status, logs):
        app.command()(command)
