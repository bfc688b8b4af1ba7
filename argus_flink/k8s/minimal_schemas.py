"""Hand-written schemas for custom kinds whose CRDs are not at hand offline.

They check what our manifests rely on (required fields, types, enums) and allow fields
they do not list, since these are deliberately partial: a finding says so for every object
checked with one. Anything more needs the real CRD (Prometheus Operator, External Secrets).
"""

from __future__ import annotations

from typing import Any

# Strict ObjectMeta from the Kubernetes schemas (resolved through their registry).
OBJECT_META_REF = "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
OBJECT_META = {"$ref": OBJECT_META_REF}


def _obj(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required)}


_STR = {"type": "string"}
_LABEL_SELECTOR = _obj(
    {
        "matchLabels": {"type": "object", "additionalProperties": _STR},
        "matchExpressions": {
            "type": "array",
            "items": _obj(
                {"key": _STR, "operator": _STR, "values": {"type": "array", "items": _STR}},
                ("key", "operator"),
            ),
        },
    }
)


def _root(api_version: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return _obj(
        {
            "apiVersion": {"enum": [api_version]},
            "kind": {"enum": [kind]},
            "metadata": OBJECT_META,
            "spec": spec,
        },
        ("apiVersion", "kind", "metadata", "spec"),
    )


# monitoring.coreos.com/v1 PodMonitor (Prometheus Operator).
_POD_MONITOR = _root(
    "monitoring.coreos.com/v1",
    "PodMonitor",
    _obj(
        {
            "selector": _LABEL_SELECTOR,
            "namespaceSelector": _obj(
                {"any": {"type": "boolean"}, "matchNames": {"type": "array", "items": _STR}}
            ),
            "jobLabel": _STR,
            "podMetricsEndpoints": {
                "type": "array",
                "minItems": 1,
                "items": _obj(
                    {
                        "port": _STR,
                        "portNumber": {"type": "integer", "minimum": 1, "maximum": 65535},
                        "path": {"type": "string", "pattern": "^/"},
                        "scheme": {"enum": ["http", "https", "HTTP", "HTTPS"]},
                        "interval": {"type": "string", "pattern": r"^(\d+(ms|s|m|h))+$"},
                        "scrapeTimeout": {"type": "string", "pattern": r"^(\d+(ms|s|m|h))+$"},
                    }
                ),
            },
        },
        ("selector", "podMetricsEndpoints"),
    ),
)

# external-secrets.io/v1 ExternalSecret (External Secrets Operator).
_REMOTE_REF = _obj({"key": _STR, "property": _STR, "version": _STR}, ("key",))
_EXTERNAL_SECRET = _root(
    "external-secrets.io/v1",
    "ExternalSecret",
    _obj(
        {
            "refreshInterval": {"type": "string", "pattern": r"^(\d+(ms|s|m|h))+$"},
            "secretStoreRef": _obj(
                {"name": _STR, "kind": {"enum": ["SecretStore", "ClusterSecretStore"]}}, ("name",)
            ),
            "target": _obj(
                {
                    "name": _STR,
                    "creationPolicy": {"enum": ["Owner", "Orphan", "Merge", "None"]},
                    "deletionPolicy": {"enum": ["Delete", "Merge", "Retain"]},
                }
            ),
            "data": {
                "type": "array",
                "items": _obj(
                    {"secretKey": _STR, "remoteRef": _REMOTE_REF}, ("secretKey", "remoteRef")
                ),
            },
            "dataFrom": {"type": "array", "items": {"type": "object"}},
        },
        ("secretStoreRef",),
    ),
)

MINIMAL_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("monitoring.coreos.com/v1", "PodMonitor"): _POD_MONITOR,
    ("external-secrets.io/v1", "ExternalSecret"): _EXTERNAL_SECRET,
}
