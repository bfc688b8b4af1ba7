"""``argus-flink savepoint | stop | replay | savepoints …`` and ``argus-flink k8s snapshot |
replay``: savepoint-based operations, on the local cluster and for Kubernetes.

Mounted by the main CLI::

    ops_cli.register(app)                  # savepoint, stop, replay, savepoints list|prune
    k8s_cli.app.add_typer(ops_cli.k8s_app)  # k8s snapshot, k8s replay
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from argus_flink.catalog import UnknownJobError, job_spec
from argus_flink.console import console, err_console
from argus_flink.k8s.findings import errors as error_findings
from argus_flink.k8s.patched import deployed_object, validate_patch
from argus_flink.k8s.validate import Manifest, validate_manifests
from argus_flink.ops import k8s_snapshot
from argus_flink.ops.catalog_local import LocalSavepointCatalog, path_of
from argus_flink.ops.catalog_s3 import S3Location, S3SavepointCatalog, s3_client
from argus_flink.ops.errors import ClusterDownError, NoSavepointError, OpsError
from argus_flink.ops.replay import LATEST, local_catalog, replay as replay_job
from argus_flink.ops.rest import FlinkRest
from argus_flink.ops.s3_endpoint import overlay_conf, resolve_endpoint
from argus_flink.ops.savepoint_catalog import SavepointCatalog, SavepointEntry, plan_prune
from argus_flink.ops.savepoints import (
    SAVEPOINT_DIR_KEY,
    cancel_job,
    stop_with_savepoint,
    take_savepoint,
)
from argus_flink.settings import load_settings

savepoints_app = typer.Typer(help="List and prune savepoints, locally or on s3:// (R2).",
                             no_args_is_help=True)
k8s_app = typer.Typer(help="Savepoint and replay manifests for the Flink Kubernetes Operator.")

_JOB_ARGS = {"allow_extra_args": True, "ignore_unknown_options": True}

JobArg = Annotated[str, typer.Argument(help="the suite's job name, e.g. test-metrics")]
LocationOpt = Annotated[Optional[str], typer.Option(
    "--location", help="s3://bucket/prefix or a local directory; default: the local cluster's "
                       "savepoint directory")]
OverlayOpt = Annotated[Optional[str], typer.Option(
    "--overlay", help="environment (k8s/overlays/ENV): its S3 endpoint, and with JOB its "
                      "savepoint directory")]


@contextmanager
def _clear_errors() -> Iterator[None]:
    """Every expected failure becomes one red line and exit code 1, never a traceback."""
    try:
        yield
    except (OpsError, UnknownJobError, ValueError, LookupError) as exc:
        err_console.print(f"[red]{escape(str(exc))}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc


def _rest() -> FlinkRest:
    return FlinkRest(load_settings().flink_rest_url)


# --- local cluster ------------------------------------------------------------------------

def savepoint(
    job: JobArg,
    target: Annotated[Optional[str], typer.Option(
        help="directory for the savepoint; default: <cluster savepoint dir>/JOB")] = None,
    timeout: Annotated[float, typer.Option(help="seconds to wait for it")] = 600.0,
) -> None:
    """Take a savepoint of a running job; it keeps running. Prints the savepoint's path."""
    with _clear_errors(), _rest() as rest:
        result = take_savepoint(rest, job, target=target, timeout=timeout)
    console.print(f"savepoint of {job} (job {result.job_id}) in {result.seconds:.1f}s")
    typer.echo(result.location)


def stop(
    job: JobArg,
    with_savepoint: Annotated[bool, typer.Option(
        "--savepoint/--no-savepoint",
        help="stop with a final savepoint to replay from; --no-savepoint cancels (the "
             "retained checkpoints stay)")] = True,
    drain: Annotated[bool, typer.Option(
        help="fire every open window before stopping (a final shutdown, not a replay)")] = False,
    target: Annotated[Optional[str], typer.Option(
        help="directory for the savepoint; default: <cluster savepoint dir>/JOB")] = None,
    timeout: Annotated[float, typer.Option(help="seconds to wait for the savepoint")] = 600.0,
) -> None:
    """Stop a running job, by default with a savepoint. Prints the savepoint's path."""
    with _clear_errors(), _rest() as rest:
        if not with_savepoint:
            job_id = cancel_job(rest, job)
            console.print(f"cancelled {job} (job {job_id}); its retained checkpoints stay")
            return
        result = stop_with_savepoint(rest, job, target=target, drain=drain, timeout=timeout)
    console.print(f"stopped {job} (job {result.job_id}) with a savepoint in "
                  f"{result.seconds:.1f}s; replay with `argus-flink replay {job} --from latest`")
    typer.echo(result.location)


def replay(
    ctx: typer.Context,
    job: JobArg,
    source: Annotated[str, typer.Option(
        "--from", help="a savepoint directory (or its _metadata), or 'latest' for the newest "
                       "savepoint of JOB")],
    allow_non_restored_state: Annotated[bool, typer.Option(
        help="drop savepoint state that maps to no operator of this build")] = False,
    timeout: Annotated[float, typer.Option(
        help="seconds to wait until the job runs with its state restored")] = 600.0,
) -> None:
    """Start a job from a savepoint and wait until its state is restored.

    Extra arguments go to the job's own main(), as with `submit`.
    """
    settings = load_settings()
    with _clear_errors(), FlinkRest(settings.flink_rest_url) as rest:
        result = replay_job(settings, rest, job, source, job_args=ctx.args,
                            allow_non_restored_state=allow_non_restored_state, timeout=timeout)
    console.print(f"replaying {job} as job {result.job_id} from {result.savepoint}: submitted in "
                  f"{result.submit_seconds:.1f}s, state restored and running "
                  f"{result.restore_seconds:.1f}s after start")
    typer.echo(result.job_id)


# --- savepoint catalog ----------------------------------------------------------------------

def _catalog(location: str | None, overlay: str | None, job: str | None) -> SavepointCatalog:
    if location is None and overlay is not None:
        if job is None:
            raise ValueError("--overlay without --location needs JOB: the savepoint directory "
                             "is per job")
        location = overlay_conf(overlay, job_spec(job).name)[SAVEPOINT_DIR_KEY]
    if location is None:
        settings = load_settings()
        try:
            with FlinkRest(settings.flink_rest_url, timeout=3) as rest:
                return local_catalog(settings, rest)
        except ClusterDownError:  # listing files needs no cluster; only job-id names are lost
            return local_catalog(settings)
    if location.split("://", 1)[0] in ("s3", "s3a", "s3p"):
        where = S3Location.parse(location)
        return S3SavepointCatalog(where, s3_client(resolve_endpoint(where.bucket, overlay)))
    return LocalSavepointCatalog(path_of(location))


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def _entry_json(entry: SavepointEntry) -> dict:
    return {**asdict(entry), "created_at": entry.created_at.isoformat()}


def _entries_table(title: str, entries: list[SavepointEntry]) -> Table:
    table = Table("job", "completed (UTC)", "size", "checkpoint", title=title)
    table.add_column("path", overflow="fold")
    for e in entries:
        table.add_row(e.job or "?", f"{e.created_at:%Y-%m-%d %H:%M:%S}",
                      _human_size(e.size_bytes), str(e.checkpoint_id or "?"), e.location)
    return table


@savepoints_app.command("list")
def list_savepoints(
    job: Annotated[Optional[str], typer.Argument(help="only this job's savepoints")] = None,
    location: LocationOpt = None,
    overlay: OverlayOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON array")] = False,
) -> None:
    """Savepoints with their path, job, time and size, newest first."""
    with _clear_errors():
        if job is not None:
            job_spec(job)
        catalog = _catalog(location, overlay, job)
        entries = catalog.list(job)
    if as_json:
        typer.echo(json.dumps([_entry_json(e) for e in entries], indent=2))
    elif entries:
        console.print(_entries_table(f"savepoints in {catalog.description}", entries))
    else:
        console.print(f"no savepoints{' of ' + job if job else ''} in {catalog.description}")


@savepoints_app.command("prune")
def prune(
    keep: Annotated[int, typer.Option(help="savepoints to keep per job, newest first (>= 1)")],
    location: LocationOpt = None,
    overlay: OverlayOpt = None,
    job: Annotated[Optional[str], typer.Option(help="prune only this job's savepoints")] = None,
    rest_url: Annotated[Optional[list[str]], typer.Option(
        "--rest-url", help="Flink REST API(s) whose running jobs' restore points are kept "
                           "(repeatable; e.g. a port-forwarded JobManager); default: the local "
                           "cluster")] = None,
    offline: Annotated[bool, typer.Option(
        help="do not ask Flink which savepoints running jobs restored from (only when no job "
             "runs from this location)")] = False,
    dry_run: Annotated[bool, typer.Option(help="show what would go, delete nothing")] = False,
) -> None:
    """Delete old savepoints: never the newest `--keep` of a job, nor one a running job
    restored from."""
    with _clear_errors():
        if job is not None:
            job_spec(job)
        catalog = _catalog(location, overlay, job)
        restored = [] if offline else _restored_paths(rest_url or [load_settings().flink_rest_url])
        plan = plan_prune(catalog.list(job), keep, restored)
        for entry in plan.delete:
            if not dry_run:
                catalog.delete(entry)
    verb = "would delete" if dry_run else "deleted"
    for entry in plan.delete:
        console.print(f"{verb} {entry.location} "
                      f"({entry.job or '?'}, {entry.created_at:%Y-%m-%d %H:%M})")
    for entry in plan.protected:
        console.print(f"kept {entry.location}: a running job restored from it")
    console.print(f"{verb} {len(plan.delete)}, kept {len(plan.keep) + len(plan.protected)} "
                  f"in {catalog.description}")


def _restored_paths(rest_urls: list[str]) -> list[str]:
    """Where each running job on these clusters restored its state from."""
    paths = []
    for url in rest_urls:
        try:
            with FlinkRest(url) as rest:
                for job in rest.jobs():
                    restored = rest.checkpoints(job.id).restored if job.active else None
                    if restored and restored.path:
                        paths.append(restored.path)
        except ClusterDownError as exc:
            raise ClusterDownError(url, "prune asks each cluster which savepoints its running "
                                        "jobs restored from; pass --rest-url for a "
                                        "port-forwarded JobManager, or --offline") from exc
    return paths


# --- Kubernetes -----------------------------------------------------------------------------

K8sOverlayOpt = Annotated[str, typer.Option("--overlay", help="environment: k8s/overlays/ENV")]


def _namespace(overlay: str, job: str) -> str | None:
    return (deployed_object(overlay, "FlinkDeployment", job).get("metadata") or {}).get("namespace")


def _fail_on_findings(findings: list) -> None:
    failed = error_findings(findings)
    if failed:
        raise ValueError("the rendered manifest does not pass `k8s validate`:\n"
                         + "\n".join(str(f) for f in failed))


@k8s_app.command("snapshot")
def k8s_snapshot_command(
    job: JobArg,
    overlay: K8sOverlayOpt = "prod",
    name: Annotated[Optional[str], typer.Option(
        help="the resource's name; default: JOB-savepoint-<UTC time>")] = None,
) -> None:
    """Print a FlinkStateSnapshot that takes a savepoint of JOB now (`kubectl apply -f -`)."""
    with _clear_errors():
        job_spec(job)
        namespace = _namespace(overlay, job)
        snapshot = k8s_snapshot.state_snapshot(
            job, name=name or k8s_snapshot.snapshot_name(job, datetime.now(UTC)),
            namespace=namespace)
        _fail_on_findings(validate_manifests([Manifest(snapshot, "k8s snapshot")]))
    typer.echo(k8s_snapshot.to_yaml(snapshot, (
        f"Savepoint of {job} ({overlay}), taken by the operator:\n"
        f"  argus-flink k8s snapshot {job} --overlay {overlay} | kubectl apply -f -\n"
        f"  kubectl -n {namespace} get flinkstatesnapshots   # path once COMPLETED")), nl=False)


@k8s_app.command("replay")
def k8s_replay_command(
    job: JobArg,
    source: Annotated[str, typer.Option(
        "--from", help="s3:// savepoint path, or 'latest' (the newest in the overlay's "
                       "savepoint directory for JOB, listed with boto3)")],
    overlay: K8sOverlayOpt = "prod",
    nonce: Annotated[Optional[int], typer.Option(
        help="savepointRedeployNonce to set; default: the Unix time, above any earlier one")]
    = None,
    allow_non_restored_state: Annotated[bool, typer.Option(
        help="drop savepoint state that maps to no operator of the new image")] = False,
) -> None:
    """Print the FlinkDeployment merge patch that redeploys JOB from a savepoint."""
    with _clear_errors():
        job_spec(job)
        namespace = _namespace(overlay, job)
        path = source if source != LATEST else _latest_on_object_storage(job, overlay)
        patch = k8s_snapshot.replay_patch(
            path, allow_non_restored_state=allow_non_restored_state,
            nonce=nonce if nonce is not None else k8s_snapshot.bumped_nonce(
                k8s_snapshot.current_nonce(overlay, job), datetime.now(UTC)))
        _fail_on_findings(validate_patch(overlay, "FlinkDeployment", job, patch,
                                         source="k8s replay"))
    typer.echo(k8s_snapshot.to_yaml(patch, (
        f"Redeploy {job} ({overlay}) from {path}:\n"
        f"  argus-flink k8s replay {job} --overlay {overlay} --from ... > replay.yaml\n"
        f"  {k8s_snapshot.patch_command(job, namespace)}\n"
        "Put the same two fields in the overlay before the next `kubectl apply -k`, or remove "
        "them there.")), nl=False)


def _latest_on_object_storage(job: str, overlay: str) -> str:
    location = overlay_conf(overlay, job)[SAVEPOINT_DIR_KEY]
    where = S3Location.parse(location)
    catalog = S3SavepointCatalog(where, s3_client(resolve_endpoint(where.bucket, overlay)))
    entries = catalog.list(job)
    if not entries:
        raise NoSavepointError(f"no savepoint of {job} yet in {location}; take one with "
                               f"`argus-flink k8s snapshot {job} --overlay {overlay}`")
    return entries[0].location


def register(app: typer.Typer) -> None:
    app.command()(savepoint)
    app.command()(stop)
    app.command(context_settings=_JOB_ARGS)(replay)
    app.add_typer(savepoints_app, name="savepoints")
