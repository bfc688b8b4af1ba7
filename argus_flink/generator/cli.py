"""``argus-flink produce``: write the seeded synthetic workload to the input topics."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from argus_flink.generator.config import WorkloadConfig, parse_start
from argus_flink.generator.manifest import write_manifest
from argus_flink.generator.produce import produce
from argus_flink.generator.workload import Workload
from argus_flink.settings import load_settings


def produce_command(
    events: Annotated[
        int, typer.Option(help="total records to write, bad and duplicates included")
    ] = 10_000,
    seed: Annotated[
        int, typer.Option(help="same seed and options give byte-identical output")
    ] = 42,
    rate: Annotated[
        float | None, typer.Option(help="records per second; unpaced if omitted")
    ] = None,
    start: Annotated[
        str, typer.Option(help="event time of the first CI round (ISO-8601)")
    ] = "2026-11-21T00:00:00Z",
    bad_fraction: Annotated[
        float, typer.Option(help="share of malformed or invalid records")
    ] = 0.0,
    duplicate_fraction: Annotated[
        float, typer.Option(help="share of records re-sent verbatim")
    ] = 0.0,
    scale: Annotated[
        int, typer.Option(help="multiplies the tests per project (10: a few thousand tests)")
    ] = 1,
    manifest: Annotated[
        Path | None, typer.Option(help="ground-truth JSON [default: <home>/manifest.json]")
    ] = None,
    bootstrap: Annotated[
        str | None, typer.Option(help="Kafka bootstrap [default: the local broker]")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option(help="generate and write the manifest, send nothing")
    ] = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Write synthetic, realistic events to the input topics, and their ground truth."""
    settings = load_settings()
    console = Console(stderr=True)
    try:
        config = WorkloadConfig(
            seed=seed,
            events=events,
            start=parse_start(start),
            scale=scale,
            bad_fraction=bad_fraction,
            duplicate_fraction=duplicate_fraction,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    workload = Workload(config)
    if dry_run:
        began = time.monotonic()
        count = sum(1 for _ in workload.records())
        elapsed = max(time.monotonic() - began, 1e-9)
        console.print(f"generated {count:,} records in {elapsed:.1f}s ({count / elapsed:,.0f}/s)")
        failed = 0
    else:
        target = bootstrap or settings.kafka_bootstrap
        stats = produce(
            workload.records(), target, rate=rate, progress=progress, total=events, console=console
        )
        console.print(
            f"sent {stats.produced:,} records ({stats.bytes / 1e6:,.1f} MB) to {target} in "
            f"{stats.elapsed_s:.1f}s, {stats.records_per_second:,.0f}/s; {stats.failed} failed"
        )
        for error in stats.errors:
            console.print(f"[red]{error}")
        failed = stats.failed
    path = write_manifest(workload.manifest(), manifest or settings.home / "manifest.json")
    console.print(f"manifest: {path}")
    if failed:
        raise typer.Exit(code=1)
