"""The operator's admission rules, one at a time, on a minimal valid deployment."""

from __future__ import annotations

import copy

import pytest

from argus_flink.k8s.admission import check


def deployment(**changes):
    obj = {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": "test-metrics"},
        "spec": {
            "flinkVersion": "v2_0",
            "serviceAccount": "flink",
            "flinkConfiguration": {
                "execution.checkpointing.dir": "s3://b/c",
                "execution.checkpointing.savepoint-dir": "s3://b/s",
            },
            "jobManager": {"resource": {"memory": "2048m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "4Gi", "cpu": 2}},
            "job": {
                "jarURI": "local:///opt/flink/opt/flink-python-2.0.2.jar",
                "parallelism": 2,
                "upgradeMode": "savepoint",
            },
        },
    }
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = obj
        for p in parents:
            node = node[p]
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return obj


def paths(obj):
    return [p for p, _ in check(obj)]


def test_valid_deployment_passes():
    assert check(deployment()) == []


@pytest.mark.parametrize("name", ["Test-Metrics", "1job", "job-", "a" * 46, "job_x"])
def test_deployment_name(name):
    [(path, message)] = check(deployment(metadata__name=name))
    assert path == "metadata.name" and "no more than 45 characters" in message


def test_name_of_45_characters_is_fine():
    assert check(deployment(metadata__name="a" * 45)) == []


def test_flink_version_required_and_supported():
    assert check(deployment(spec__flinkVersion=None)) == [
        ("spec.flinkVersion", "Flink Version must be defined.")
    ]
    assert paths(deployment(spec__flinkVersion="v1_14")) == ["spec.flinkVersion"]


@pytest.mark.parametrize(
    "key", ["kubernetes.namespace", "kubernetes.cluster-id", "high-availability.cluster-id"]
)
def test_forbidden_config_keys(key):
    obj = deployment()
    obj["spec"]["flinkConfiguration"][key] = "x"
    assert check(obj) == [
        (f'spec.flinkConfiguration["{key}"]', f"Forbidden Flink config key: {key}")
    ]


def test_savepoint_dir_required_for_savepoint_mode():
    obj = deployment()
    del obj["spec"]["flinkConfiguration"]["execution.checkpointing.savepoint-dir"]
    [(path, message)] = check(obj)
    assert path == 'spec.flinkConfiguration["execution.checkpointing.savepoint-dir"]'
    assert message.startswith("Job could not be upgraded with savepoint")


def test_deprecated_directory_keys_still_count():
    obj = deployment()
    conf = obj["spec"]["flinkConfiguration"]
    conf["state.checkpoints.dir"] = conf.pop("execution.checkpointing.dir")
    conf["state.savepoints.dir"] = conf.pop("execution.checkpointing.savepoint-dir")
    assert check(obj) == []


def test_periodic_savepoints_need_a_savepoint_dir_even_when_stateless():
    obj = deployment(spec__job__upgradeMode="stateless")
    conf = obj["spec"]["flinkConfiguration"]
    del conf["execution.checkpointing.savepoint-dir"], conf["execution.checkpointing.dir"]
    conf["kubernetes.operator.periodic.savepoint.interval"] = "1h"
    [(_, message)] = check(obj)
    assert message.startswith("Periodic savepoints cannot be enabled")


def test_stateless_needs_no_directories():
    obj = deployment(spec__job__upgradeMode="stateless", spec__flinkConfiguration={})
    assert check(obj) == []


def test_service_account_required():
    [(path, message)] = check(deployment(spec__serviceAccount=None))
    assert path == "spec.serviceAccount" and message.startswith(
        "spec.serviceAccount must be defined"
    )


@pytest.mark.parametrize("parallelism", [0, -1, None])
def test_parallelism_must_be_positive(parallelism):
    assert check(deployment(spec__job__parallelism=parallelism)) == [
        ("spec.job.parallelism", "Job parallelism must be larger than 0")
    ]


def test_taskmanager_replicas_replace_parallelism():
    obj = deployment(spec__job__parallelism=None)
    obj["spec"]["taskManager"]["replicas"] = 2
    assert check(obj) == []


def test_jar_uri_required():
    assert paths(deployment(spec__job__jarURI=None)) == ["spec.job.jarURI"]


@pytest.mark.parametrize(
    "memory", ["2048m", "2 gb", "2Gi", "2G", "1.5Gi", "1.5g", "1073741824", "2gib"]
)
def test_memory_formats_the_operator_accepts(memory):
    obj = deployment()
    obj["spec"]["taskManager"]["resource"]["memory"] = memory
    assert check(obj) == []


@pytest.mark.parametrize("memory", ["lots", "2 GiBs", "-1g", "1.5x"])
def test_memory_parse_error(memory):
    obj = deployment()
    obj["spec"]["taskManager"]["resource"]["memory"] = memory
    [(path, message)] = check(obj)
    assert path == "spec.taskManager.resource.memory" and "parse error" in message


def test_memory_may_come_from_configuration_instead():
    obj = deployment()
    del obj["spec"]["jobManager"]["resource"]["memory"]
    assert paths(obj) == ["spec.jobManager.resource.memory"]
    obj["spec"]["flinkConfiguration"]["jobmanager.memory.process.size"] = "2g"
    assert check(obj) == []


def test_cpu_is_a_project_rule():
    obj = deployment()
    del obj["spec"]["taskManager"]["resource"]["cpu"]
    [(path, message)] = check(obj)
    assert path == "spec.taskManager.resource.cpu" and "project rule" in message


def test_standby_jobmanagers_need_ha():
    obj = deployment()
    obj["spec"]["jobManager"]["replicas"] = 2
    assert paths(obj) == ["spec.jobManager.replicas"]
    obj["spec"]["flinkConfiguration"]["high-availability.type"] = "kubernetes"
    assert check(obj) == []


def test_rollback_needs_ha():
    obj = deployment()
    obj["spec"]["flinkConfiguration"]["kubernetes.operator.deployment.rollback.enabled"] = "true"
    assert [m for _, m in check(obj)] == ["HA must be enabled for rollback support."]


def test_log_configuration_keys():
    obj = deployment(
        spec__logConfiguration={"log4j-console.properties": "x", "log4j.properties": "y"}
    )
    assert paths(obj) == ['spec.logConfiguration["log4j.properties"]']


def test_ingress_needs_a_template():
    assert paths(deployment(spec__ingress={"className": "nginx"})) == ["spec.ingress.template"]


def test_wrong_types_do_not_crash_the_rules():
    obj = deployment(spec__job="not a mapping", spec__jobManager=[1])
    assert "spec.job.parallelism" in paths(copy.deepcopy(obj))


def snapshot(**spec):
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkStateSnapshot",
        "metadata": {"name": "s"},
        "spec": spec,
    }


def test_snapshot_needs_exactly_one_kind():
    message = "Exactly one of checkpoint or savepoint configurations has to be set."
    assert check(snapshot()) == [("spec", message)]
    assert check(snapshot(savepoint={}, checkpoint={}, jobReference={"name": "x"})) == [
        ("spec", message)
    ]


def test_snapshot_needs_a_job_reference_unless_it_exists_already():
    assert paths(snapshot(savepoint={})) == ["spec.jobReference"]
    assert check(snapshot(savepoint={"alreadyExists": True, "path": "s3://b/sp"})) == []
    assert (
        check(snapshot(checkpoint={}, jobReference={"kind": "FlinkDeployment", "name": "x"})) == []
    )


def test_session_job():
    job = {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkSessionJob",
        "metadata": {"name": "j"},
        "spec": {"deploymentName": "Session_Cluster"},
    }
    assert paths(job) == ["spec.deploymentName", "spec.job"]
