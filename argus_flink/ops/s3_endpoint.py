"""Which S3 endpoint serves a bucket: the same configuration Flink's S3 plugin uses.

Production savepoints live on Cloudflare R2, whose endpoint is ``s3.endpoint`` in
``flink-conf/<env>.yaml`` rendered with ``k8s/overlays/<env>/flink-vars.yaml``. An overlay is
chosen explicitly or by its ``R2_BUCKET``; ``ARGUS_S3_ENDPOINT`` overrides both (another
S3-compatible store, or a local test server). Credentials are never configuration: boto3
reads them from the environment (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from argus_flink.flinkconf import render_flink_conf
from argus_flink.k8s.flink_configuration import JOB_VARIABLE, overlay_variables
from argus_flink.k8s.paths import overlay_names
from argus_flink.ops.errors import ObjectStoreError

ENDPOINT_ENV = "ARGUS_S3_ENDPOINT"
PATH_STYLE_ENV = "ARGUS_S3_PATH_STYLE"
# Rendering flink-conf needs a JOB; the endpoint and bucket never depend on it.
_ANY_JOB = "any-job"


@dataclass(frozen=True)
class S3Endpoint:
    url: str
    path_style: bool
    source: str  # where the value came from, for messages


def overlay_conf(overlay: str, job: str | None = None) -> dict[str, str]:
    """An overlay's Flink configuration, as its FlinkDeployments get it."""
    return render_flink_conf(overlay, {**overlay_variables(overlay),
                                       JOB_VARIABLE: job or _ANY_JOB})


def overlay_for_bucket(bucket: str) -> str | None:
    matches = [o for o in overlay_names() if overlay_variables(o).get("R2_BUCKET") == bucket]
    return matches[0] if len(matches) == 1 else None


def resolve_endpoint(bucket: str, overlay: str | None = None,
                     env: Mapping[str, str] = os.environ) -> S3Endpoint:
    if env.get(ENDPOINT_ENV):
        return S3Endpoint(env[ENDPOINT_ENV], env.get(PATH_STYLE_ENV, "true") != "false",
                          ENDPOINT_ENV)
    chosen = overlay or overlay_for_bucket(bucket)
    if chosen is None:
        raise ObjectStoreError(
            f"no S3 endpoint configured for bucket {bucket!r}: no overlay in k8s/overlays sets "
            f"R2_BUCKET to it. Pass --overlay ENV, or set {ENDPOINT_ENV}."
        )
    conf = overlay_conf(chosen)
    if not conf.get("s3.endpoint"):
        raise ObjectStoreError(f"flink-conf/{chosen}.yaml sets no s3.endpoint; set {ENDPOINT_ENV}")
    return S3Endpoint(conf["s3.endpoint"], conf.get("s3.path.style.access") == "true",
                      f"flink-conf/{chosen}.yaml")
