"""Kubernetes manifests for savepoints and replays under the Flink Kubernetes Operator.

- A ``FlinkStateSnapshot`` asks the operator for a savepoint of a deployment now.
- A merge patch of a ``FlinkDeployment`` sets ``initialSavepointPath`` and a new
  ``savepointRedeployNonce``: the operator redeploys from that path only when the nonce
  changes, so every replay needs a value it has not seen before.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import yaml

from argus_flink.k8s.patched import deployed_object

API_VERSION = "flink.apache.org/v1beta1"
PART_OF = "argus-flink"
_OBJECT_STORE_SCHEMES = ("s3", "s3a", "s3p")


def snapshot_name(job: str, at: datetime) -> str:
    """``test-metrics-savepoint-20261121-100405``: unique per second, and sorts by time."""
    return f"{job}-savepoint-{at:%Y%m%d-%H%M%S}"


def state_snapshot(job: str, *, name: str, namespace: str | None) -> dict[str, Any]:
    """A FlinkStateSnapshot that takes a savepoint of FlinkDeployment ``job``."""
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    metadata["labels"] = {"app.kubernetes.io/name": job, "app.kubernetes.io/part-of": PART_OF}
    return {
        "apiVersion": API_VERSION,
        "kind": "FlinkStateSnapshot",
        "metadata": metadata,
        "spec": {
            "backoffLimit": 1,
            "jobReference": {"kind": "FlinkDeployment", "name": job},
            "savepoint": {
                # Canonical survives state-compatible code changes, which a replay relies on.
                "formatType": "CANONICAL",
                # Deleting the resource must not delete the files: a replay may need them.
                "disposeOnDelete": False,
            },
        },
    }


def current_nonce(overlay: str, job: str) -> int | None:
    job_spec = (deployed_object(overlay, "FlinkDeployment", job).get("spec") or {}).get("job")
    nonce = (job_spec or {}).get("savepointRedeployNonce")
    return int(nonce) if nonce is not None else None


def bumped_nonce(current: int | None, now: datetime) -> int:
    """Larger than the manifests' nonce and than any earlier replay's: the Unix time, which a
    previous run of this command (or a hand-set 1, 2, …) cannot have used later."""
    return max((current or 0) + 1, int(now.timestamp()))


def check_savepoint_path(path: str) -> str:
    scheme = urlparse(path).scheme
    if scheme not in _OBJECT_STORE_SCHEMES:
        raise ValueError(
            f"{path} is not on object storage: the job's pods can read only s3:// paths "
            "(R2). Pick one with `argus-flink savepoints list --location s3://BUCKET/JOB`.")
    return path.rstrip("/")


def replay_patch(savepoint_path: str, *, nonce: int,
                 allow_non_restored_state: bool = False) -> dict[str, Any]:
    """The merge patch that redeploys a FlinkDeployment from ``savepoint_path``."""
    job: dict[str, Any] = {"initialSavepointPath": check_savepoint_path(savepoint_path),
                           "savepointRedeployNonce": nonce}
    if allow_non_restored_state:
        job["allowNonRestoredState"] = True
    return {"spec": {"job": job}}


def to_yaml(obj: dict[str, Any], comment: str = "") -> str:
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    return header + yaml.safe_dump(obj, sort_keys=False, default_flow_style=False, width=10_000)


def patch_command(job: str, namespace: str | None, patch_file: str = "replay.yaml") -> str:
    scope = f"-n {namespace} " if namespace else ""
    return (f"kubectl {scope}patch flinkdeployment {job} --type merge "
            f"--patch-file {patch_file}")
