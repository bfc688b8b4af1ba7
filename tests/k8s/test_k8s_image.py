"""The Dockerfile and the manifests agree on paths, names and the user (not built here)."""

from __future__ import annotations

import re

from argus_flink.settings import PROJECT_ROOT

DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()


def _env(name: str) -> str:
    match = re.search(rf"\b{name}=(\S+)", DOCKERFILE)
    assert match, f"{name} not set in the Dockerfile"
    return match[1]


def test_base_image_is_pinned():
    assert "ARG FLINK_IMAGE=flink:2.0.2-java17\n" in DOCKERFILE
    assert re.search(r"ARG UV_IMAGE=\S+:\d+\.\d+\.\d+\n", DOCKERFILE)
    assert re.search(r"ARG PYTHON_VERSION=3\.11\.\d+\n", DOCKERFILE)


def test_s3_plugin_is_enabled_where_the_pods_mount_its_directory(rendered):
    plugin = _env("ENABLE_BUILT_IN_PLUGINS")
    assert plugin == "flink-s3-fs-presto-2.0.2.jar"
    for r in rendered["prod"]:
        if r.kind == "FlinkDeployment":
            [container] = r.obj["spec"]["podTemplate"]["spec"]["containers"]
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert f"/opt/flink/plugins/{plugin.removesuffix('.jar')}" in mounts


def test_python_and_code_paths_match_the_manifests(rendered):
    assert "uv venv --python" in DOCKERFILE and "/opt/venv" in DOCKERFILE
    for r in rendered["prod"]:
        if r.kind != "FlinkDeployment":
            continue
        conf = r.obj["spec"]["flinkConfiguration"]
        assert conf["python.executable"] == "/opt/venv/bin/python"
        assert r.obj["spec"]["job"]["args"][-1] == "/opt/flink/usrlib"
        jar = r.obj["spec"]["job"]["jarURI"].removeprefix("local://")
        assert f"test -f {jar}" in DOCKERFILE
    for package in ("argus_flink", "jobs", "udfs", "sql", "flink-conf"):
        assert f"COPY {package} /opt/flink/usrlib/{package}" in DOCKERFILE


def test_connectors_go_to_flink_lib_and_the_image_runs_as_flink():
    assert "COPY --from=artifacts /artifacts/connectors/ /opt/flink/lib/" in DOCKERFILE
    assert DOCKERFILE.rstrip().endswith("USER flink:flink")


def test_docker_context_excludes_local_state():
    rules = [
        line
        for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert rules[0] == "*"  # allow-list: only what the Dockerfile copies
    assert not [r for r in rules if r.startswith("!.")]  # never .venv, .argus, .git
