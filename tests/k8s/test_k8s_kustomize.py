"""The Python kustomize subset: what it does, and what it refuses rather than get wrong."""

from __future__ import annotations

from textwrap import dedent

import pytest

from argus_flink.k8s.kustomize import KustomizeError, build, merge_patch

FD = """\
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: %s}
spec:
  image: base
  podTemplate:
    spec:
      containers: [{name: flink-main-container, env: [{name: A, value: "1"}]}]
"""
RBAC = """\
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects:
  - {kind: ServiceAccount, name: sa}
  - {kind: ServiceAccount, name: x, namespace: other}
"""


def write(directory, files):
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(dedent(text))
    return directory


def test_targeted_and_named_patches_and_namespace(tmp_path):
    write(tmp_path / "base", {
        "kustomization.yaml": "namespace: one\nresources: [a.yaml, b.yaml, rbac.yaml]\n",
        "a.yaml": FD % "a",
        "b.yaml": FD % "b",
        "rbac.yaml": RBAC,
    })
    overlay = write(tmp_path / "overlay", {
        "kustomization.yaml": """\
            namespace: two
            resources: [../base]
            patches:
              - path: all.yaml
                target: {kind: FlinkDeployment}
              - path: one.yaml
            """,
        "all.yaml": """\
            apiVersion: flink.apache.org/v1beta1
            kind: FlinkDeployment
            metadata: {name: ignored}
            spec: {image: new}
            """,
        "one.yaml": """\
            apiVersion: flink.apache.org/v1beta1
            kind: FlinkDeployment
            metadata: {name: a}
            spec:
              podTemplate: {spec: {containers: [{name: flink-main-container}]}}
              flinkConfiguration: {k: v}
            """,
    })
    objs = {r.name: r.obj for r in build(overlay)}
    assert objs["a"]["spec"]["image"] == objs["b"]["spec"]["image"] == "new"
    assert objs["a"]["spec"]["flinkConfiguration"] == {"k": "v"}
    # Lists in custom resources are replaced, as kustomize does without a schema.
    containers = objs["a"]["spec"]["podTemplate"]["spec"]["containers"]
    assert containers == [{"name": "flink-main-container"}]
    assert objs["b"]["metadata"]["namespace"] == "two"
    assert objs["rb"]["subjects"] == [
        {"kind": "ServiceAccount", "name": "sa", "namespace": "two"},
        {"kind": "ServiceAccount", "name": "x", "namespace": "other"},
    ]


def test_unsupported_fields_are_refused(tmp_path):
    write(tmp_path, {"kustomization.yaml": "resources: []\nconfigMapGenerator: []\n"})
    with pytest.raises(KustomizeError, match="configMapGenerator not supported"):
        build(tmp_path)


def test_list_patch_on_a_built_in_kind_is_refused(tmp_path):
    policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\n"
    write(tmp_path, {
        "kustomization.yaml": "resources: [np.yaml]\npatches: [{path: p.yaml}]\n",
        "np.yaml": policy + "spec: {podSelector: {}}\n",
        "p.yaml": policy + "spec: {policyTypes: [Egress]}\n",
    })
    with pytest.raises(KustomizeError, match="strategic merge"):
        build(tmp_path)


def test_untargeted_patch_must_match(tmp_path):
    write(tmp_path, {
        "kustomization.yaml": "resources: [a.yaml]\npatches: [{path: p.yaml}]\n",
        "a.yaml": FD % "a",
        "p.yaml": "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\n"
                  "metadata: {name: zz}\n",
    })
    with pytest.raises(KustomizeError, match="no resource matches FlinkDeployment/zz"):
        build(tmp_path)


def test_duplicate_objects_are_refused(tmp_path):
    write(tmp_path, {
        "kustomization.yaml": "resources: [a.yaml, b.yaml]\n",
        "a.yaml": FD % "a",
        "b.yaml": FD % "a",
    })
    with pytest.raises(KustomizeError, match="defined twice"):
        build(tmp_path)


def test_merge_patch_semantics():
    target = {"a": {"b": 1, "c": 2}, "l": [1, 2]}
    patch = {"a": {"c": None, "d": 3}, "l": [3]}
    assert merge_patch(target, patch) == {"a": {"b": 1, "d": 3}, "l": [3]}
