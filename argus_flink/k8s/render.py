"""Render an environment: the kustomize build of ``k8s/overlays/<name>`` as YAML."""

from __future__ import annotations

from pathlib import Path

import yaml

from argus_flink.k8s.kustomize import Resource, build
from argus_flink.k8s.paths import OVERLAYS_DIR, overlay_names

# Objects others depend on come first, so `kubectl apply -f` of the output works in order.
_APPLY_ORDER = [
    "Namespace",
    "ServiceAccount",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "NetworkPolicy",
]


def render_overlay(overlay: str) -> list[Resource]:
    """The objects of one overlay, in apply order."""
    if overlay not in overlay_names():
        raise ValueError(f"unknown overlay {overlay!r}; have {', '.join(overlay_names())}")
    return sorted(build(OVERLAYS_DIR / overlay), key=_order)


def _order(resource: Resource) -> tuple[int, str, str]:
    rank = _APPLY_ORDER.index(resource.kind) if resource.kind in _APPLY_ORDER else len(_APPLY_ORDER)
    return rank, resource.kind, resource.name


def to_yaml(resources: list[Resource]) -> str:
    """A multi-document YAML stream, as ``kubectl kustomize`` prints."""
    return "---\n".join(_dump(r.obj) for r in resources)


def _dump(obj: dict) -> str:
    return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False, width=10_000)


def write_split(resources: list[Resource], out_dir: Path) -> list[Path]:
    """One file per object, named like ``kustomize build -o DIR`` names them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for r in resources:
        version = str(r.obj.get("apiVersion", "")).replace("/", "_")
        path = out_dir / f"{version}_{r.kind}_{r.name}.yaml".lower()
        path.write_text(_dump(r.obj))
        written.append(path)
    return written
