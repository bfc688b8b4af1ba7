"""``argus-flink k8s``: render and validate the Kubernetes manifests offline.

Mounted by the main CLI as ``app.add_typer(k8s_cli.app, name="k8s")``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from argus_flink.k8s import flink_configuration, schemas
from argus_flink.k8s.findings import errors
from argus_flink.k8s.kustomize import KustomizeError
from argus_flink.k8s.paths import display, overlay_names
from argus_flink.k8s.render import render_overlay, to_yaml, write_split
from argus_flink.k8s.strictyaml_loader import StrictYamlError
from argus_flink.k8s.validate import validate_default, validate_paths
from argus_flink.templating import MissingVariableError

app = typer.Typer(
    name="k8s",
    help="Render and validate the Kubernetes manifests offline (no cluster, no kubectl).",
    no_args_is_help=True,
)

_RENDER_ERRORS = (KustomizeError, StrictYamlError, MissingVariableError, ValueError, OSError)


def _overlay(value: str) -> str:
    if value not in overlay_names():
        raise typer.BadParameter(f"choose one of {', '.join(overlay_names())}")
    return value


@app.command()
def render(
    overlay: Annotated[
        str,
        typer.Option("--overlay", callback=_overlay, help="environment: a folder of k8s/overlays"),
    ] = "prod",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="write one file per object into this directory instead of printing"
        ),
    ] = None,
) -> None:
    """Print the overlay's manifests as multi-document YAML (what `kubectl apply -k` applies)."""
    try:
        resources = render_overlay(overlay)
    except _RENDER_ERRORS as exc:
        typer.echo(f"cannot render {overlay}: {exc}", err=True)
        raise typer.Exit(1) from exc
    if out is None:
        typer.echo(to_yaml(resources), nl=False)
        return
    for path in write_split(resources, out):
        typer.echo(display(path), err=True)


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="files, directories of YAML, or kustomization folders; default: every overlay, "
            "k8s/examples and k8s/secrets"
        ),
    ] = None,
    k8s_version: Annotated[
        str, typer.Option("--k8s-version", help="Kubernetes schemas to use")
    ] = schemas.K8S_VERSION,
) -> None:
    """Check manifests against strict schemas and the operator's admission rules.

    One line per finding: file, object, field path, message. Exit code 1 on any error.
    """
    try:
        findings = (
            validate_paths(paths, k8s_version=k8s_version)
            if paths
            else validate_default(k8s_version=k8s_version)
        )
    except ValueError as exc:  # e.g. an unknown --k8s-version
        typer.echo(f"k8s validate: {exc}", err=True)
        raise typer.Exit(2) from exc
    for finding in findings:
        typer.echo(str(finding))
    failed = errors(findings)
    typer.echo(f"k8s validate: {len(failed)} error(s)" if failed else "k8s validate: ok", err=True)
    if failed:
        raise typer.Exit(1)


@app.command("sync-conf")
def sync_conf(
    check: Annotated[
        bool, typer.Option("--check", help="only report stale files (for CI)")
    ] = False,
) -> None:
    """Regenerate each overlay's flinkConfiguration patch from flink-conf/."""
    stale = []
    for overlay in overlay_names():
        path = flink_configuration.generated_path(overlay)
        try:
            text = flink_configuration.generated_patch(overlay)
        except _RENDER_ERRORS as exc:
            typer.echo(f"cannot render flink-conf/{overlay}.yaml: {exc}", err=True)
            raise typer.Exit(1) from exc
        if path.is_file() and path.read_text() == text:
            continue
        stale.append(path)
        if not check:
            path.write_text(text)
    verb = "stale" if check else "updated"
    for path in stale:
        typer.echo(f"{verb}: {display(path)}")
    if check and stale:
        raise typer.Exit(1)
