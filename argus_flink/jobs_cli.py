"""`argus-flink submit JOB`: run one of the suite's jobs on the local cluster."""

from __future__ import annotations

from typing import Annotated

import typer

from argus_flink.catalog import UnknownJobError, job_spec
from argus_flink.console import console, err_console
from argus_flink.settings import load_settings
from argus_flink.submit import SubmitError, flink_run


def submit(
    ctx: typer.Context,
    job: Annotated[str, typer.Argument(help="test-metrics, anomaly-flags, "
                                            "failure-embeddings or knowledge-graph")],
) -> None:
    """Submit a job to the local cluster; extra arguments go to the job's own main()."""
    settings = load_settings()
    try:
        spec = job_spec(job)
        if not spec.exists():
            raise SubmitError(f"job {job!r} ({spec.module}) is not in this build yet")
        job_id = flink_run(settings, spec.module, ctx.args)
    except (UnknownJobError, SubmitError) as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    console.print(f"submitted {job} as job {job_id}; watch it at "
                  f"{settings.flink_rest_url}/#/job/running/{job_id}/overview")
    typer.echo(job_id)


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_extra_args": True,
                                  "ignore_unknown_options": True})(submit)
