"""The Flink Kubernetes Operator's admission rules, checked offline.

The operator's webhook (``DefaultValidator``, operator 1.15) rejects these only once a
resource reaches a cluster; here they fail in CI instead. Messages keep the operator's
wording so they can be looked up. Offline, the effective configuration is the resource's
own ``flinkConfiguration``: defaults set in the operator's Helm values are not seen.

Two rules are this project's, not the operator's, and say so: every JobManager and
TaskManager sets its CPU, and an application deployment names its ``jarURI`` (older
operators required it; a Python job always needs the PyFlink jar).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from argus_flink.k8s.strictyaml_loader import field_path

Issue = tuple[str, str]  # (field path, message)

CHECKPOINT_DIR_KEYS = ("execution.checkpointing.dir", "state.checkpoints.dir")
SAVEPOINT_DIR_KEYS = ("execution.checkpointing.savepoint-dir", "state.savepoints.dir")
FORBIDDEN_KEYS = ("kubernetes.namespace", "kubernetes.cluster-id", "high-availability.cluster-id")
HA_KEYS = ("high-availability.type", "high-availability")
LOG_CONFIG_KEYS = ("log4j-console.properties", "logback-console.xml")
ROLLBACK = "kubernetes.operator.deployment.rollback.enabled"
HEALTH_CHECK = "kubernetes.operator.cluster.health-check.enabled"
JM_RECOVERY = "kubernetes.operator.jm-deployment-recovery.enabled"
PERIODIC_SAVEPOINT = "kubernetes.operator.periodic.savepoint.interval"
CHECKPOINT_MAX_AGE = "kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age"
# The operator's pattern for deployment names: a DNS-1035 label of at most 45 characters,
# short enough for the Service and ConfigMap names derived from it.
NAME_PATTERN = re.compile(r"[a-z]([-a-z\d]{0,43}[a-z\d])?")
OLDEST_SUPPORTED = (1, 15)  # v1_13 and v1_14 are rejected since operator 1.7
_MEMORY_KEYS = {
    "jobManager": ("jobmanager.memory.process.size", "jobmanager.memory.flink.size",
                   "jobmanager.memory.heap.size"),
    "taskManager": ("taskmanager.memory.process.size", "taskmanager.memory.flink.size"),
}
# The operator parses memory as a Flink MemorySize first, then as a Kubernetes quantity.
_FLINK_MEMORY = re.compile(
    r"\s*\d+\s*(b|bytes|k|kb|kibibytes|m|mb|mebibytes|g|gb|gibibytes|t|tb|tebibytes)?\s*",
    re.IGNORECASE,
)
_K8S_QUANTITY = re.compile(r"\d+(\.\d+)?([KMGTPE]i?)?")


def check(obj: dict[str, Any]) -> list[Issue]:
    """Admission problems of one Flink resource (other kinds have none here)."""
    rules: dict[str, Callable[[dict[str, Any]], Iterator[Issue]]] = {
        "FlinkDeployment": _deployment,
        "FlinkSessionJob": _session_job,
        "FlinkStateSnapshot": _state_snapshot,
    }
    rule = rules.get(str(obj.get("kind")))
    return list(rule(obj)) if rule else []


# --- Helpers tolerant of wrong types (the schema check reports those) ---------------------

def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _config(spec: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in _map(spec.get("flinkConfiguration")).items()}


def _first(conf: dict[str, str], keys: tuple[str, ...]) -> str:
    return next((conf[k].strip() for k in keys if conf.get(k, "").strip()), "")


def _is(conf: dict[str, str], key: str, value: str) -> bool:
    return conf.get(key, "").strip().lower() == value


def _ha_enabled(conf: dict[str, str]) -> bool:
    return _first(conf, HA_KEYS).lower() not in ("", "none")


def _conf_path(key: str) -> str:
    return field_path(["spec", "flinkConfiguration", key])


def _bad_name(kind: str, name: str) -> str:
    return (
        f"The {kind} name: {name} is invalid, must consist of lower case alphanumeric "
        "characters or '-', start with an alphabetic character, and end with an alphanumeric "
        "character, and the length must be no more than 45 characters."
    )


# --- FlinkDeployment ----------------------------------------------------------------------

def _deployment(obj: dict[str, Any]) -> Iterator[Issue]:
    spec = _map(obj.get("spec"))
    conf = _config(spec)
    name = str(_map(obj.get("metadata")).get("name", ""))
    if not NAME_PATTERN.fullmatch(name):
        yield "metadata.name", _bad_name("FlinkDeployment", name)
    yield from _flink_version(spec.get("flinkVersion"))
    yield from _deployment_config(conf)
    if spec.get("ingress") is not None and not _map(spec["ingress"]).get("template"):
        yield "spec.ingress.template", "Ingress template must be defined"
    for key in _map(spec.get("logConfiguration")):
        if key not in LOG_CONFIG_KEYS:
            message = f"Invalid log config key: {key}. Allowed keys are {list(LOG_CONFIG_KEYS)}"
            yield field_path(["spec", "logConfiguration", key]), message
    if spec.get("job") is not None:
        yield from _job(_map(spec["job"]), conf, _map(spec.get("taskManager")))
    yield from _component("JobManager", "jobManager", _map(spec.get("jobManager")), conf)
    yield from _component("TaskManager", "taskManager", _map(spec.get("taskManager")), conf)
    if spec.get("serviceAccount") is None:
        yield "spec.serviceAccount", (
            "spec.serviceAccount must be defined. If you use helm, its value should be the "
            "same with the name of jobServiceAccount."
        )


def _flink_version(version: Any) -> Iterator[Issue]:
    if version is None:
        yield "spec.flinkVersion", "Flink Version must be defined."
        return
    parsed = re.fullmatch(r"v(\d+)_(\d+)", str(version))
    if parsed and (int(parsed[1]), int(parsed[2])) < OLDEST_SUPPORTED:
        message = f"Flink version {version} is not supported by this operator version"
        yield "spec.flinkVersion", message


def _deployment_config(conf: dict[str, str]) -> Iterator[Issue]:
    for key in FORBIDDEN_KEYS:
        if key in conf:
            yield _conf_path(key), f"Forbidden Flink config key: {key}"
    if _is(conf, ROLLBACK, "true") and not _ha_enabled(conf):
        yield _conf_path(ROLLBACK), "HA must be enabled for rollback support."
    if _is(conf, HEALTH_CHECK, "true") and _is(conf, JM_RECOVERY, "false"):
        yield _conf_path(HEALTH_CHECK), (
            f"Deployment recovery ({JM_RECOVERY}) must be enabled for job health check "
            f"({HEALTH_CHECK}) support."
        )


def _job(job: dict[str, Any], conf: dict[str, str], tm: dict[str, Any]) -> Iterator[Issue]:
    mode = job.get("upgradeMode", "stateless")  # the operator's default
    if not str(job.get("jarURI") or "").strip():
        yield "spec.job.jarURI", "Jar URI must be defined (project rule for application mode)"
    if mode != "stateless" and not _first(conf, CHECKPOINT_DIR_KEYS):
        key = CHECKPOINT_DIR_KEYS[0]
        yield _conf_path(key), (
            f"Checkpoint directory[{key}] must be defined for last-state and savepoint "
            "upgrade modes"
        )
    if not _first(conf, SAVEPOINT_DIR_KEYS):
        yield from _savepoint_dir_needed(job, mode, conf)
    replicas = tm.get("replicas")
    if isinstance(replicas, int):
        if replicas < 1:
            yield "spec.taskManager.replicas", "TaskManager replicas must be larger than 0"
    elif not isinstance(job.get("parallelism"), int) or job["parallelism"] < 1:
        yield "spec.job.parallelism", "Job parallelism must be larger than 0"


def _savepoint_dir_needed(job: dict[str, Any], mode: str, conf: dict[str, str]) -> Iterator[Issue]:
    key = SAVEPOINT_DIR_KEYS[0]
    if mode == "savepoint":
        message = f"Job could not be upgraded with savepoint while config key[{key}] is not set"
    elif job.get("savepointTriggerNonce") is not None:
        message = (
            "Savepoint could not be manually triggered for the running job while config "
            f"key[{key}] is not set"
        )
    elif PERIODIC_SAVEPOINT in conf:
        message = f"Periodic savepoints cannot be enabled when config key[{key}] is not set"
    elif CHECKPOINT_MAX_AGE in conf:
        message = (
            f"In order to use max-checkpoint age functionality config key[{key}] must be set "
            "to allow triggering savepoint upgrades."
        )
    else:
        return
    yield _conf_path(key), message


def _component(
    label: str, field: str, spec: dict[str, Any], conf: dict[str, str]
) -> Iterator[Issue]:
    resource = _map(spec.get("resource"))
    memory = resource.get("memory")
    path = f"spec.{field}.resource"
    if memory is None or not str(memory).strip():
        if not any(conf.get(k) for k in _MEMORY_KEYS[field]):
            message = f"{label} resource memory must be defined using `{path}.memory`"
            yield f"{path}.memory", message
    elif not _valid_memory(str(memory)):
        yield f"{path}.memory", (
            f"{label} resource memory parse error: cannot parse {memory!r} as a Flink memory "
            "size (e.g. 2048m) or a Kubernetes quantity (e.g. 2Gi)"
        )
    if resource.get("cpu") is None:
        message = f"{label} resource cpu must be set (project rule: an explicit CPU request)"
        yield f"{path}.cpu", message
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and replicas < 1:
        message = f"{label} replicas should not be configured less than one."
        yield f"spec.{field}.replicas", message
    standby = field == "jobManager" and isinstance(replicas, int) and replicas > 1
    if standby and not _ha_enabled(conf):
        message = "High availability should be enabled when starting standby JobManagers."
        yield "spec.jobManager.replicas", message


def _valid_memory(memory: str) -> bool:
    if _FLINK_MEMORY.fullmatch(memory):
        return True
    # The operator's normalisation before parsing a quantity: "2 gb" -> "2G", "2gi" -> "2Gi".
    quantity = re.sub(r"\s", "", memory).upper().removesuffix("B")
    quantity = quantity[:-1] + "i" if quantity.endswith("I") else quantity
    return bool(_K8S_QUANTITY.fullmatch(quantity))


# --- FlinkSessionJob and FlinkStateSnapshot -------------------------------------------------

def _session_job(obj: dict[str, Any]) -> Iterator[Issue]:
    spec = _map(obj.get("spec"))
    deployment = str(spec.get("deploymentName", ""))
    if not NAME_PATTERN.fullmatch(deployment):
        yield "spec.deploymentName", _bad_name("FlinkDeployment", deployment)
    if spec.get("job") is None:
        yield "spec.job", "The job spec should not be empty"


def _state_snapshot(obj: dict[str, Any]) -> Iterator[Issue]:
    spec = _map(obj.get("spec"))
    savepoint, checkpoint = spec.get("savepoint"), spec.get("checkpoint")
    if (savepoint is None) == (checkpoint is None):
        yield "spec", "Exactly one of checkpoint or savepoint configurations has to be set."
        return
    if savepoint is not None and _map(savepoint).get("alreadyExists") is True:
        return  # an existing savepoint needs no job to take it
    if not _map(spec.get("jobReference")).get("name"):
        yield "spec.jobReference", "Job reference must be supplied for this snapshot"
