"""The part of kustomize this project uses, in Python, so a render needs no kubectl.

Supported in a kustomization: ``resources`` (files and directories), ``namespace`` and
``patches`` (merge patches from files, with or without a ``target``). Anything else is
refused rather than ignored, so output never silently differs from ``kubectl kustomize``
(tests compare the two when kubectl is installed).

Patches on custom resources are JSON merge patches, which is what kustomize applies when
it has no schema for the kind: maps merge, lists are replaced, null deletes. Built-in
kinds merge lists by key (strategic merge), which is not implemented, so a patch that sets
a list on a built-in kind is refused.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argus_flink.k8s.strictyaml_loader import load_file

KUSTOMIZATION = "kustomization.yaml"
_SUPPORTED_FIELDS = {"apiVersion", "kind", "resources", "namespace", "patches"}
_SUPPORTED_TARGET = {"group", "version", "kind", "name", "namespace"}
# Kinds without a namespace among those a kustomization here could hold.
_CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "ClusterSecretStore",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
}


class KustomizeError(ValueError):
    """The kustomization cannot be built (or uses a feature not implemented here)."""


@dataclass
class Resource:
    """One object of a build, and the file it was first read from."""

    obj: dict[str, Any]
    origin: Path

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind", ""))

    @property
    def name(self) -> str:
        return str((self.obj.get("metadata") or {}).get("name", ""))

    @property
    def namespace(self) -> str | None:
        return (self.obj.get("metadata") or {}).get("namespace")

    @property
    def group(self) -> str:
        return api_group(str(self.obj.get("apiVersion", "")))

    def key(self) -> tuple[str, str, str | None, str]:
        return self.group, self.kind, self.namespace, self.name


def api_group(api_version: str) -> str:
    """``flink.apache.org/v1beta1`` -> ``flink.apache.org``; ``v1`` -> ``""`` (core)."""
    return api_version.rpartition("/")[0]


def is_custom(group: str) -> bool:
    """Custom resources live in a dotted group outside Kubernetes' own ``*.k8s.io``."""
    return "." in group and not group.endswith(".k8s.io")


def build(directory: Path) -> list[Resource]:
    """The objects ``kubectl kustomize directory`` would print, with their origins."""
    path = directory / KUSTOMIZATION
    if not path.is_file():
        raise KustomizeError(f"{directory}: no {KUSTOMIZATION}")
    docs = load_file(path)
    spec = docs[0] if docs else {}
    if len(docs) != 1 or not isinstance(spec, dict):
        raise KustomizeError(f"{path}: expected one mapping")
    unsupported = sorted(set(spec) - _SUPPORTED_FIELDS)
    if unsupported:
        raise KustomizeError(
            f"{path}: {', '.join(unsupported)} not supported by the Python renderer "
            f"(it implements {', '.join(sorted(_SUPPORTED_FIELDS - {'apiVersion', 'kind'}))})"
        )
    resources = _load_resources(directory, spec.get("resources") or [], path)
    for index, patch in enumerate(spec.get("patches") or []):
        _apply_patch(resources, directory, patch, f"{path}: patches[{index}]")
    if spec.get("namespace"):
        _set_namespace(resources, str(spec["namespace"]))
    return resources


def _load_resources(directory: Path, entries: list[Any], where: Path) -> list[Resource]:
    resources: list[Resource] = []
    for entry in entries:
        target = (directory / str(entry)).resolve()
        if target.is_dir():
            resources += build(target)
        elif target.is_file():
            for doc in load_file(target):
                if not isinstance(doc, dict):
                    raise KustomizeError(f"{target}: a resource must be a mapping")
                resources.append(Resource(doc, target))
        else:
            raise KustomizeError(f"{where}: resource {entry!r} does not exist")
    seen: dict[tuple[str, str, str | None, str], Path] = {}
    for r in resources:
        if r.key() in seen:
            raise KustomizeError(f"{r.kind}/{r.name} defined twice: {seen[r.key()]} and {r.origin}")
        seen[r.key()] = r.origin
    return resources


def _apply_patch(resources: list[Resource], directory: Path, patch: Any, where: str) -> None:
    if not isinstance(patch, dict) or set(patch) - {"path", "target"} or "path" not in patch:
        raise KustomizeError(f"{where}: only `path` with an optional `target` is supported")
    target = patch.get("target")
    if target is not None and (not isinstance(target, dict) or set(target) - _SUPPORTED_TARGET):
        raise KustomizeError(
            f"{where}: target supports only {', '.join(sorted(_SUPPORTED_TARGET))}"
        )
    patch_file = directory / str(patch["path"])
    for body in load_file(patch_file):
        if not isinstance(body, dict):
            raise KustomizeError(f"{patch_file}: JSON 6902 patches are not supported")
        matches = [r for r in resources if _matches(r, target or _identity(body))]
        if target is None and not matches:
            raise KustomizeError(
                f"{patch_file}: no resource matches {body.get('kind')}/"
                f"{(body.get('metadata') or {}).get('name')}"
            )
        for resource in matches:
            if not is_custom(resource.group) and _has_list(body):
                raise KustomizeError(
                    f"{patch_file}: sets a list on built-in kind {resource.kind}; strategic "
                    "merge of lists is not implemented here, patch a custom resource instead"
                )
            resource.obj = merge_patch(resource.obj, _patch_body(body))


def _identity(body: dict[str, Any]) -> dict[str, Any]:
    meta = body.get("metadata") or {}
    selector = {
        "group": api_group(str(body.get("apiVersion", ""))),
        "kind": body.get("kind"),
        "name": meta.get("name"),
    }
    if meta.get("namespace"):
        selector["namespace"] = meta["namespace"]
    return selector


def _matches(resource: Resource, selector: dict[str, Any]) -> bool:
    version = str(resource.obj.get("apiVersion", "")).rpartition("/")[2]
    actual = {
        "group": resource.group,
        "version": version,
        "kind": resource.kind,
        "name": resource.name,
        "namespace": resource.namespace or "",
    }
    for field, wanted in selector.items():
        if wanted is None:
            continue
        if field in ("name", "namespace"):  # kustomize matches these as anchored regexes
            if not re.fullmatch(str(wanted), actual[field]):
                return False
        elif str(wanted) != actual[field]:
            return False
    return True


def _patch_body(body: dict[str, Any]) -> dict[str, Any]:
    """The patch without the fields that only select its target."""
    body = {k: v for k, v in body.items() if k not in ("apiVersion", "kind")}
    meta = {k: v for k, v in (body.get("metadata") or {}).items() if k not in ("name", "namespace")}
    if meta:
        body["metadata"] = meta
    else:
        body.pop("metadata", None)
    return body


def _has_list(value: Any) -> bool:
    if isinstance(value, list):
        return True
    return isinstance(value, dict) and any(_has_list(v) for v in value.values())


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: maps merge, anything else replaces, null deletes."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _set_namespace(resources: list[Resource], namespace: str) -> None:
    # RoleBinding subjects that name one of our ServiceAccounts follow it to the new
    # namespace, as kustomize's name references do; "default" always does.
    accounts = {(r.name, r.namespace) for r in resources if r.kind == "ServiceAccount"}
    namespaces = [r for r in resources if r.kind == "Namespace"]
    if len(namespaces) > 1:
        raise KustomizeError("namespace transform with several Namespace objects is not supported")
    for resource in resources:
        meta = resource.obj.setdefault("metadata", {})
        if resource.kind == "Namespace":
            meta["name"] = namespace
            continue
        if resource.kind in ("RoleBinding", "ClusterRoleBinding"):
            for subject in resource.obj.get("subjects") or []:
                if subject.get("kind") == "ServiceAccount" and (
                    subject.get("name") == "default"
                    or (subject.get("name"), subject.get("namespace")) in accounts
                ):
                    subject["namespace"] = namespace
        if resource.kind not in _CLUSTER_SCOPED:
            meta["namespace"] = namespace
