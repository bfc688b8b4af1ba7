"""What ``k8s validate`` reads: YAML files, directories of them, and kustomizations.

A directory holding a ``kustomization.yaml`` is rendered and its output is what gets checked
(its patches are not manifests). Inside a tree, only kustomizations no other one builds on
are rendered, so a base is checked through its overlays. YAML and render problems become
findings rather than exceptions, so one bad file does not hide the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argus_flink.k8s.findings import Finding
from argus_flink.k8s.kustomize import KUSTOMIZATION, KustomizeError, Resource, build
from argus_flink.k8s.paths import display
from argus_flink.k8s.strictyaml_loader import StrictYamlError, load_all

_YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Manifest:
    """One object to check, and how to name its file in findings."""

    obj: Any
    file: str


@dataclass
class Inputs:
    manifests: list[Manifest] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # Each rendered kustomization folder with its objects (for checks across objects).
    builds: list[tuple[Path, list[Resource]]] = field(default_factory=list)


def _yaml_findings(error: StrictYamlError) -> list[Finding]:
    return [
        Finding(f"{i.source}:{i.line}" if i.line else i.source, i.obj, i.path, i.message)
        for i in error.issues
    ]


def _read_file(path: Path, into: Inputs) -> None:
    source = display(path)
    try:
        docs = load_all(path.read_text(), source)
    except StrictYamlError as exc:
        into.findings += _yaml_findings(exc)
        return
    into.manifests += [Manifest(d, source) for d in docs if d is not None]


def _render(directory: Path, into: Inputs) -> None:
    where = display(directory)
    try:
        resources = build(directory)
    except StrictYamlError as exc:
        into.findings += _yaml_findings(exc)
        return
    except (KustomizeError, OSError) as exc:
        into.findings.append(Finding(where, "Kustomization", "", f"cannot render: {exc}"))
        return
    into.manifests += [Manifest(r.obj, f"{display(r.origin)} via {where}") for r in resources]
    into.builds.append((directory, resources))


def _top_kustomizations(root: Path) -> list[Path]:
    """Kustomization folders under root that no other one there builds on."""
    found = sorted(p.parent.resolve() for p in root.rglob(KUSTOMIZATION))
    used: set[Path] = set()
    for directory in found:
        try:
            spec = load_all((directory / KUSTOMIZATION).read_text())[0]
        except (StrictYamlError, IndexError):
            continue  # reported when the folder itself is rendered
        entries = (spec.get("resources") or []) if isinstance(spec, dict) else []
        used |= {(directory / str(entry)).resolve() for entry in entries}
    return [d for d in found if d not in used]


def _read_directory(root: Path, into: Inputs) -> None:
    for directory in _top_kustomizations(root):
        _render(directory, into)
    # Files in a kustomization folder are its inputs (patches, variables), not objects.
    owned = {p.parent.resolve() for p in root.rglob(KUSTOMIZATION)}
    for path in sorted(root.rglob("*")):
        if path.suffix not in _YAML_SUFFIXES or not path.is_file():
            continue
        if owned & {path.resolve().parent, *path.resolve().parents}:
            continue
        _read_file(path, into)


def collect(paths: Iterable[Path]) -> Inputs:
    """The objects named by files, YAML directories and kustomizations, plus load problems."""
    inputs = Inputs()
    for path in paths:
        if path.is_dir():
            _read_directory(path, inputs)
        elif path.name == KUSTOMIZATION:
            _render(path.parent, inputs)
        elif path.is_file():
            _read_file(path, inputs)
        else:
            inputs.findings.append(Finding(display(path), "-", "", "no such file or directory"))
    return inputs
