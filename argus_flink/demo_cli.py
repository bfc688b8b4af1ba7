"""The `argus-flink demo` command."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from argus_flink import demo
from argus_flink.console import console, err_console
from argus_flink.generator.config import WorkloadConfig
from argus_flink.generator.manifest import write_manifest
from argus_flink.generator.produce import produce
from argus_flink.generator.workload import Workload
from argus_flink.install import ArtifactError, ensure_installed
from argus_flink.settings import load_settings
from argus_flink.stack import stack as local_stack
from argus_flink.stack.process import PortBusyError
from argus_flink.stack.service import ServiceError
from argus_flink.submit import SubmitError


def demo_command(
    events: Annotated[int, typer.Option(help="records to produce")] = 20_000,
    seed: Annotated[int, typer.Option(help="workload seed")] = 42,
    wait: Annotated[float, typer.Option(help="seconds to let the jobs work before the summary")]
    = 60.0,
) -> None:
    """Start the stack, produce a seeded workload, run every job, and summarise the results."""
    settings = load_settings()
    began = time.monotonic()
    try:
        ensure_installed(settings.tools)
        with console.status("starting the local stack…"):
            local_stack.up(settings)
        console.print(f"[green]stack up[/] in {time.monotonic() - began:.0f}s")

        workload = Workload(WorkloadConfig(seed=seed, events=events, bad_fraction=0.01,
                                           duplicate_fraction=0.01))
        stats = produce(workload.records(), settings.kafka_bootstrap, total=events,
                        console=console)
        write_manifest(workload.manifest(), settings.home / "manifest.json")

        with console.status("submitting jobs…"):
            submitted = demo.submit_missing_jobs(settings)
            demo.wait_for_jobs_running(settings, set(submitted), timeout=120)
        if submitted:
            with console.status(f"letting the jobs work for {wait:.0f}s…"):
                time.sleep(wait)
    except (ArtifactError, PortBusyError, ServiceError, SubmitError) as exc:
        err_console.print(f"[red]demo failed:[/] {exc}")
        raise typer.Exit(1) from exc

    status = local_stack.status(settings)
    services = Table("service", "healthy", "endpoint", title="Local stack")
    for name, svc in status["services"].items():
        services.add_row(name, "[green]yes[/]" if svc["healthy"] else "[red]no[/]", svc["url"])
    console.print(services)

    produced = Table("topic", "records", title=f"Events produced (seed {seed})")
    for topic, count in sorted(stats.by_topic.items()):
        produced.add_row(topic, f"{count:,}")
    produced.add_row("[bold]total[/]", f"[bold]{stats.produced:,}[/] "
                     f"({stats.records_per_second:,.0f}/s, {stats.failed} failed)")
    console.print(produced)

    if submitted:
        console.print(demo.jobs_table(settings))
    else:
        console.print("No jobs are in this build yet: the stack and the events are ready for them.")
    for section in demo.SECTIONS:
        report = section.load() if section.job in submitted else None
        if report is not None:
            console.rule(section.title)
            console.print(report(settings))
    console.print(f"\nFlink Web UI: [link]{settings.flink_rest_url}[/link]   "
                  f"ground truth: {settings.home / 'manifest.json'}   "
                  f"stop with: argus-flink down")
