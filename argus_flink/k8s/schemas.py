"""The JSON schema each kind is checked against.

- Flink resources: the operator's CRD ``openAPIV3Schema``, made strict. A CRD accepts
  unknown fields unless told otherwise, so ``upgradMode`` would pass; here every object
  schema that lists its ``properties`` gets ``additionalProperties: false`` (except where
  the CRD preserves unknown fields, as in ``flinkConfiguration``).
- Built-in kinds: the strict Kubernetes schemas shipped by ``kubernetes-validate``.
- A few custom kinds we use without their CRDs at hand: minimal schemas of our own
  (:mod:`argus_flink.k8s.minimal_schemas`), reported as such.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

import yaml
from referencing import Registry, Resource

from argus_flink.k8s.kustomize import api_group, is_custom
from argus_flink.k8s.minimal_schemas import MINIMAL_SCHEMAS, OBJECT_META_REF
from argus_flink.k8s.paths import crds_dir

# Kubernetes version whose schemas core objects are checked against (kubernetes-validate
# ships 1.25 onwards); operator 1.15 supports current Kubernetes releases.
K8S_VERSION = "1.33.0"
_CRD_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Schema:
    """A schema ready for validation, and where it came from (for notes and messages)."""

    schema: dict[str, Any]
    registry: Registry
    source: str
    minimal: bool = False


def strictify(node: Any) -> Any:
    """Forbid unknown fields in every object schema that lists its properties, in place."""
    if isinstance(node, dict):
        if (
            "properties" in node
            and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
        ):
            node["additionalProperties"] = False
        for key, value in node.items():
            if key == "properties":
                for child in value.values():
                    strictify(child)
            elif key in ("items", "additionalProperties", "not"):
                strictify(value)
            elif key in ("anyOf", "allOf", "oneOf"):
                for child in value:
                    strictify(child)
    return node


def _k8s_schema_dir(version: str) -> Path:
    root = importlib_resources.files("kubernetes_validate") / "kubernetes-json-schema"
    return Path(str(root / f"v{version}-local-strict"))


def k8s_versions() -> list[str]:
    """Kubernetes versions whose strict schemas kubernetes-validate ships."""
    root = Path(str(importlib_resources.files("kubernetes_validate") / "kubernetes-json-schema"))
    found = [p.name[1:].removesuffix("-local-strict") for p in root.glob("v*-local-strict")]
    return sorted(found, key=lambda v: tuple(int(x) for x in v.split(".")))


@lru_cache(maxsize=4)
def _k8s_registry(version: str) -> Registry:
    if not _k8s_schema_dir(version).is_dir():
        raise ValueError(
            f"kubernetes-validate has no schemas for Kubernetes {version}; "
            f"available: {', '.join(k8s_versions())}"
        )
    definitions = json.loads((_k8s_schema_dir(version) / "_definitions.json").read_text())
    return Registry().with_resource(definitions["$id"], Resource.from_contents(definitions))


@lru_cache(maxsize=256)
def _k8s_schema(version: str, api_version: str, kind: str) -> Schema | None:
    # kubernetes-validate's file naming: <kind>-<group prefix>-<version>.json, where
    # rbac.authorization.k8s.io/v1 becomes rbac-v1 and the core group just v1.
    suffix = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = _k8s_schema_dir(version) / f"{kind.lower()}-{suffix}.json"
    if not path.is_file():
        return None
    return Schema(
        json.loads(path.read_text()), _k8s_registry(version), f"Kubernetes {version} schema"
    )


@lru_cache(maxsize=16)
def _crd_schemas(directory: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> strict schema, for every served version of every CRD."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(Path(directory).glob("*.y*ml")):
        crd = yaml.load(path.read_text(), Loader=_CRD_LOADER)
        if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
            continue
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served", True):
                continue
            api_version = f"{group}/{version['name']}"
            found[(api_version, kind)] = _strict_root(
                version["schema"]["openAPIV3Schema"], api_version, kind
            )
    return found


def _strict_root(openapi: dict[str, Any], api_version: str, kind: str) -> dict[str, Any]:
    # The API server adds apiVersion, kind and metadata to every CRD schema implicitly.
    root = copy.deepcopy(openapi)
    root.setdefault("type", "object")
    root.setdefault("properties", {}).update(
        {
            "apiVersion": {"type": "string", "enum": [api_version]},
            "kind": {"type": "string", "enum": [kind]},
            "metadata": {"$ref": OBJECT_META_REF},
        }
    )
    root["required"] = sorted({*root.get("required", []), "apiVersion", "kind", "metadata"})
    return strictify(root)


def lookup(api_version: str, kind: str, *, k8s_version: str = K8S_VERSION) -> Schema | None:
    """The schema for objects of this apiVersion and kind, or None when there is none."""
    crds = crds_dir()
    strict = _crd_schemas(str(crds)) if crds.is_dir() else {}
    if (api_version, kind) in strict:
        return Schema(
            strict[(api_version, kind)],
            _k8s_registry(k8s_version),
            f"operator CRD in {crds} (strict)",
        )
    if (api_version, kind) in MINIMAL_SCHEMAS:
        return Schema(
            MINIMAL_SCHEMAS[(api_version, kind)],
            _k8s_registry(k8s_version),
            "a minimal schema (argus_flink.k8s.minimal_schemas)",
            minimal=True,
        )
    if is_custom(api_group(api_version)):
        return None  # a custom resource whose CRD we do not have
    return _k8s_schema(k8s_version, api_version, kind)
