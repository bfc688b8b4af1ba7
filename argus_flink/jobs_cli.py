"""`argus-flink submit JOB` and `argus-flink flink …`: run jobs on the local cluster."""

from __future__ import annotations

import os
import subprocess
from typing import Annotated, Optional

import typer

from argus_flink.catalog import UnknownJobError, job_spec
from argus_flink.console import console, err_console
from argus_flink.settings import load_settings
from argus_flink.stack.flink import flink_env
from argus_flink.submit import SubmitError, flink_run

_PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


def submit(
    ctx: typer.Context,
    job: Annotated[str, typer.Argument(help="test-metrics, anomaly-flags, "
                                            "failure-embeddings or knowledge-graph")],
    from_savepoint: Annotated[Optional[str], typer.Option(
        "--from-savepoint", help="restore the job's state from this savepoint or checkpoint")]
    = None,
    allow_non_restored_state: Annotated[bool, typer.Option(
        help="skip savepoint state that maps to no operator of this build")] = False,
) -> None:
    """Submit a job to the local cluster; extra arguments go to the job's own main()."""
    settings = load_settings()
    try:
        spec = job_spec(job)
        if not spec.exists():
            raise SubmitError(f"job {job!r} ({spec.module}) is not in this build yet")
        job_id = flink_run(settings, spec.module, ctx.args, savepoint=from_savepoint,
                           allow_non_restored_state=allow_non_restored_state)
    except (UnknownJobError, SubmitError) as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    console.print(f"submitted {job} as job {job_id}; watch it at "
                  f"{settings.flink_rest_url}/#/job/running/{job_id}/overview")
    typer.echo(job_id)


def flink(ctx: typer.Context) -> None:
    """Flink's own CLI (`flink list`, `flink stop --savepointPath …`) against the local cluster."""
    settings = load_settings()
    binary = settings.tools / "flink-home" / "bin" / "flink"
    result = subprocess.run([str(binary), *ctx.args],
                            env={**os.environ, **flink_env(settings)})
    raise typer.Exit(result.returncode)


def register(app: typer.Typer) -> None:
    app.command(context_settings=_PASS_THROUGH)(submit)
    app.command(context_settings=_PASS_THROUGH, add_help_option=False)(flink)
