"""The overlays render to the objects the issue asks for, like `kubectl kustomize` would."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml
from k8s_expectations import JOBS, OVERLAYS

from argus_flink.k8s.render import to_yaml, write_split

EXPECTED_KINDS = {
    "Namespace": 1,
    "ServiceAccount": 1,
    "Role": 1,
    "RoleBinding": 1,
    "ConfigMap": 1,
    "NetworkPolicy": 2,
    "PodMonitor": 1,
    "FlinkDeployment": 4,
}
NAMESPACES = {"dev": "argus-flink-dev", "prod": "argus-flink"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_has_every_object(rendered, overlay):
    kinds: dict[str, int] = {}
    for r in rendered[overlay]:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    assert kinds == EXPECTED_KINDS
    names = {r.name for r in rendered[overlay] if r.kind == "FlinkDeployment"}
    assert names == set(JOBS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_lands_in_the_overlay_namespace(rendered, overlay):
    namespace = NAMESPACES[overlay]
    for r in rendered[overlay]:
        if r.kind == "Namespace":
            assert r.name == namespace
        else:
            assert r.namespace == namespace, f"{r.kind}/{r.name}"
    binding = next(r for r in rendered[overlay] if r.kind == "RoleBinding")
    assert binding.obj["subjects"] == [
        {"kind": "ServiceAccount", "name": "argus-flink-job", "namespace": namespace}
    ]


def test_namespace_comes_first_so_apply_works_in_order(rendered):
    for resources in rendered.values():
        assert resources[0].kind == "Namespace"


def test_overlays_differ_where_environments_do(rendered):
    def deployment(overlay):
        return next(
            r.obj
            for r in rendered[overlay]
            if r.name == "test-metrics" and r.kind == "FlinkDeployment"
        )

    dev, prod = deployment("dev"), deployment("prod")
    assert dev["spec"]["job"]["parallelism"] == 1 and prod["spec"]["job"]["parallelism"] == 4
    assert dev["spec"]["image"].endswith(":main") and prod["spec"]["image"].endswith(":0.1.0")
    assert dev["spec"]["taskManager"]["resource"]["memory"] == "2048m"


def test_yaml_stream_round_trips(rendered):
    docs = list(yaml.safe_load_all(to_yaml(rendered["prod"])))
    assert docs == [r.obj for r in rendered["prod"]]


def test_split_output_names_files_like_kustomize(rendered, tmp_path):
    paths = write_split(rendered["prod"], tmp_path)
    names = {p.name for p in paths}
    assert "flink.apache.org_v1beta1_flinkdeployment_test-metrics.yaml" in names
    assert "v1_namespace_argus-flink.yaml" in names
    assert len(paths) == len(rendered["prod"])


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_same_objects_as_kubectl_kustomize(rendered, overlay):
    from argus_flink.k8s.paths import OVERLAYS_DIR

    result = subprocess.run(
        ["kubectl", "kustomize", str(OVERLAYS_DIR / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        pytest.skip(f"kubectl kustomize unavailable: {result.stderr.strip()}")

    def index(objs):
        return {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o for o in objs}

    theirs = index(yaml.safe_load_all(result.stdout))
    ours = index(r.obj for r in rendered[overlay])
    assert ours == theirs
