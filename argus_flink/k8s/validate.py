"""Offline validation: strict schemas, the operator's admission rules, and conf drift.

Each object is checked against its schema (:mod:`argus_flink.k8s.schemas`) and, for Flink
resources, the operator's admission rules (:mod:`argus_flink.k8s.admission`). For the
overlays of ``k8s/overlays``, every FlinkDeployment's ``flinkConfiguration`` must also equal
what ``flink-conf/`` renders for that overlay.
"""

from __future__ import annotations

import base64
import binascii
import difflib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from argus_flink.k8s import admission, flink_configuration, schemas
from argus_flink.k8s.findings import Finding
from argus_flink.k8s.inputs import Manifest, collect
from argus_flink.k8s.kustomize import Resource
from argus_flink.k8s.paths import OVERLAYS_DIR, STANDALONE_DIRS, display, overlay_names
from argus_flink.k8s.strictyaml_loader import StrictYamlError, field_path
from argus_flink.templating import MissingVariableError

__all__ = ["Manifest", "validate_default", "validate_manifests", "validate_paths"]

_FLINK_GROUP = "flink.apache.org"
_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("byte", raises=(binascii.Error, ValueError))
def _is_base64(value: object) -> bool:
    # Kubernetes' `format: byte` (Secret data): standard base64, nothing else.
    if isinstance(value, str):
        base64.b64decode(value, validate=True)
    return True


def _label(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return f"{obj.get('kind', '?')}/{name or '?'}"


def _describe(error: ValidationError) -> Iterator[tuple[str, str]]:
    """(field path, message) for one schema error, phrased for people."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = sorted((error.schema.get("properties") or {}).keys())
        for key in sorted(k for k in error.instance if k not in known):
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            yield field_path([*path, key]), f"unknown field {key!r}{hint}"
    elif error.validator == "required":
        for key in error.validator_value:
            if isinstance(error.instance, dict) and key not in error.instance:
                yield field_path([*path, key]), "required field is missing"
    elif error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        yield field_path(path), f"{error.instance!r} is not one of: {allowed}"
    elif error.validator == "format" and error.validator_value == "byte":
        yield field_path(path), (
            "value is not valid base64; Secret `data` values must be base64-encoded "
            "(put plain text under `stringData` instead)"
        )
    else:
        yield field_path(path), error.message


def _schema_findings(manifest: Manifest, k8s_version: str) -> list[Finding]:
    obj, label = manifest.obj, _label(manifest.obj)
    api_version, kind = str(obj["apiVersion"]), str(obj["kind"])
    schema = schemas.lookup(api_version, kind, k8s_version=k8s_version)
    if schema is None and api_version.startswith(_FLINK_GROUP + "/"):
        message = (f"no {kind} in the operator CRDs at {schemas.crds_dir()} "
                   "(set ARGUS_CRDS_DIR to the folder holding them)")
        return [Finding(manifest.file, label, "apiVersion", message)]
    if schema is None:
        message = f"not validated: no schema for {api_version} {kind}"
        return [Finding(manifest.file, label, "", message, severity="note")]
    validator = Draft202012Validator(schema.schema, registry=schema.registry,
                                     format_checker=_FORMATS)
    found = [
        Finding(manifest.file, label, path, message)
        for error in validator.iter_errors(obj)
        for path, message in _describe(error)
    ]
    if schema.minimal:
        message = f"checked against {schema.source} only: required fields and types"
        found.append(Finding(manifest.file, label, "", message, severity="note"))
    return found


def validate_manifests(
    manifests: Iterable[Manifest], *, k8s_version: str = schemas.K8S_VERSION
) -> list[Finding]:
    """Schema and admission findings, object by object."""
    findings: list[Finding] = []
    for manifest in manifests:
        obj = manifest.obj
        if not isinstance(obj, dict) or not obj.get("apiVersion") or not obj.get("kind"):
            label = _label(obj) if isinstance(obj, dict) else "?"
            message = "not a Kubernetes object: apiVersion and kind are required"
            findings.append(Finding(manifest.file, label, "", message))
            continue
        findings += _schema_findings(manifest, k8s_version)
        findings += [Finding(manifest.file, _label(obj), path, message)
                     for path, message in admission.check(obj)]
    return findings


def _drift_findings(directory: Path, resources: list[Resource]) -> list[Finding]:
    """flinkConfiguration drift, for the folders of k8s/overlays only."""
    overlay = directory.name
    if directory.resolve().parent != OVERLAYS_DIR.resolve() or overlay not in overlay_names():
        return []
    try:
        return flink_configuration.drift(overlay, resources)
    except (MissingVariableError, ValueError, StrictYamlError) as exc:
        message = f"cannot render flink-conf/{overlay}.yaml: {exc}"
        return [Finding(display(directory), "FlinkDeployment/*", "spec.flinkConfiguration",
                        message)]


def validate_paths(
    paths: Iterable[Path], *, k8s_version: str = schemas.K8S_VERSION
) -> list[Finding]:
    """Everything wrong in the given files, directories and kustomizations."""
    inputs = collect(paths)
    findings = list(inputs.findings)
    for directory, resources in inputs.builds:
        findings += _drift_findings(directory, resources)
    return findings + validate_manifests(inputs.manifests, k8s_version=k8s_version)


def default_paths() -> list[Path]:
    """Every overlay, plus the files applied by hand (examples, secret templates)."""
    overlays = [OVERLAYS_DIR / name for name in overlay_names()]
    return overlays + [d for d in STANDALONE_DIRS if d.is_dir()]


def validate_default(*, k8s_version: str = schemas.K8S_VERSION) -> list[Finding]:
    return validate_paths(default_paths(), k8s_version=k8s_version)
