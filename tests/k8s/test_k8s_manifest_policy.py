"""What the issue asks of every job manifest, checked on the rendered overlays."""

from __future__ import annotations

import pytest
from k8s_expectations import JOBS, OVERLAYS

from argus_flink.k8s.paths import K8S_DIR
from argus_flink.k8s.strictyaml_loader import load_file

# The only environment variables the jobs read (their frozen configs are built from them).
JOB_ENV = {
    "ARGUS_KAFKA_BOOTSTRAP",
    "ARGUS_KAFKA_SASL_USERNAME",
    "ARGUS_KAFKA_SASL_PASSWORD",
    "ARGUS_POSTGRES_DSN",
    "ARGUS_POSTGRES_JDBC_URL",
    "ARGUS_POSTGRES_USER",
    "ARGUS_POSTGRES_PASSWORD",
    "ARGUS_BOLT_URI",
    "ARGUS_GRAPH_USER",
    "ARGUS_GRAPH_PASSWORD",
    "ANTHROPIC_API_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
}


def _deployments(rendered):
    for overlay in OVERLAYS:
        for r in rendered[overlay]:
            if r.kind == "FlinkDeployment":
                yield overlay, r


def _main_container(spec):
    [container] = spec["podTemplate"]["spec"]["containers"]
    return container


def test_application_mode_python_jobs(rendered):
    for _, r in _deployments(rendered):
        spec = r.obj["spec"]
        assert spec["flinkVersion"] == "v2_0"
        assert spec["serviceAccount"] == "argus-flink-job"
        job = spec["job"]
        assert job["jarURI"] == "local:///opt/flink/opt/flink-python-2.0.2.jar"
        assert job["entryClass"] == "org.apache.flink.client.python.PythonDriver"
        assert job["args"] == ["-pym", JOBS[r.name], "-pyfs", "/opt/flink/usrlib"]
        assert job["upgradeMode"] == "savepoint" and job["state"] == "running"


def test_pods_are_locked_down(rendered):
    for _, r in _deployments(rendered):
        pod = r.obj["spec"]["podTemplate"]["spec"]
        assert pod["securityContext"] == {
            "runAsNonRoot": True,
            "runAsUser": 9999,
            "runAsGroup": 9999,
            "fsGroup": 9999,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
        container = _main_container(r.obj["spec"])
        assert container["name"] == "flink-main-container"
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert set(mounts) == {
            "/tmp",
            "/opt/flink/log",
            "/opt/flink/plugins/flink-s3-fs-presto-2.0.2",
        }
        assert {v["name"]: v for v in pod["volumes"]}.keys() == set(mounts.values())
        assert all("emptyDir" in v for v in pod["volumes"])


def test_resources_are_explicit(rendered):
    for _, r in _deployments(rendered):
        for component in ("jobManager", "taskManager"):
            resource = r.obj["spec"][component]["resource"]
            assert resource["memory"] and resource["cpu"] > 0


def test_env_names_and_sources(rendered):
    for _, r in _deployments(rendered):
        env = _main_container(r.obj["spec"])["env"]
        names = [e["name"] for e in env]
        assert len(names) == len(set(names)) and set(names) <= JOB_ENV, names
        # Flink itself needs R2 and every job Kafka; nothing is a plain value.
        assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ARGUS_KAFKA_BOOTSTRAP"} <= set(names)
        assert all(set(e) == {"name", "valueFrom"} for e in env)


def _secret_template_keys():
    keys = set()
    for doc in load_file(K8S_DIR / "secrets" / "secrets.template.yaml"):
        assert doc["kind"] == "Secret" and "data" not in doc
        assert all(value == "" for value in doc["stringData"].values()), "no values in git"
        keys |= {(doc["metadata"]["name"], k) for k in doc["stringData"]}
    return keys


def test_every_secret_reference_is_in_the_template(rendered):
    template = _secret_template_keys()
    used = set()
    for _, r in _deployments(rendered):
        for e in _main_container(r.obj["spec"])["env"]:
            ref = e["valueFrom"].get("secretKeyRef")
            if ref:
                assert ref["key"] == e["name"]  # one name for the variable and the key
                used.add((ref["name"], ref["key"]))
    assert used == template


def test_external_secrets_cover_the_template():
    template = _secret_template_keys()
    covered = {
        (doc["spec"]["target"]["name"], d["secretKey"])
        for doc in load_file(K8S_DIR / "examples" / "external-secrets.yaml")
        for d in doc["spec"]["data"]
    }
    assert covered == template


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_config_map_references_resolve(rendered, overlay):
    [endpoints] = [r.obj for r in rendered[overlay] if r.kind == "ConfigMap"]
    for r in rendered[overlay]:
        if r.kind != "FlinkDeployment":
            continue
        for e in _main_container(r.obj["spec"])["env"]:
            ref = e["valueFrom"].get("configMapKeyRef")
            if ref:
                assert (
                    ref["name"] == endpoints["metadata"]["name"] and ref["key"] in endpoints["data"]
                )


def test_no_secrets_are_built(rendered):
    for overlay in OVERLAYS:
        assert not [r for r in rendered[overlay] if r.kind == "Secret"]


def test_network_policy_egress_allows_only_the_named_services(rendered):
    policy = next(r.obj for r in rendered["prod"] if r.name == "argus-flink-egress")
    assert policy["spec"]["policyTypes"] == ["Egress"]
    ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule.get("ports", [])}
    assert ports == {53, 9092, 5432, 7687, 443, 6443}
    # The only rule without ports is the one between the Flink pods themselves.
    [open_rule] = [rule for rule in policy["spec"]["egress"] if "ports" not in rule]
    assert open_rule == {
        "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "argus-flink"}}}]
    }


def test_pod_monitor_scrapes_the_reporter_port(rendered):
    monitor = next(r.obj for r in rendered["prod"] if r.kind == "PodMonitor")
    [endpoint] = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["port"] == "metrics"
    for _, r in _deployments(rendered):
        ports = _main_container(r.obj["spec"])["ports"]
        assert {"name": "metrics", "containerPort": 9249, "protocol": "TCP"} in ports
        labels = r.obj["spec"]["podTemplate"]["metadata"]["labels"]
        assert monitor["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_example_snapshot_targets_a_deployed_job():
    [snapshot] = load_file(K8S_DIR / "examples" / "savepoint-test-metrics.yaml")
    assert snapshot["spec"]["jobReference"] == {"kind": "FlinkDeployment", "name": "test-metrics"}


def test_deployments_match_the_job_catalog():
    from argus_flink.catalog import JOBS as CATALOG

    assert {name: spec.module for name, spec in CATALOG.items()} == JOBS
