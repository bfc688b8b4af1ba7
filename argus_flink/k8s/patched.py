"""Validate a merge patch as the cluster would see it: applied to the object it changes.

``k8s validate`` checks whole objects, and a patch alone is not one. Here the patch is
merged (RFC 7386, as ``kubectl patch --type merge``) into the object an overlay deploys, and
the result goes through the same schema and admission checks, plus the operator's rules for
a spec *change* (which compare the old spec with the new one).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from argus_flink.k8s.findings import Finding
from argus_flink.k8s.kustomize import merge_patch
from argus_flink.k8s.render import render_overlay
from argus_flink.k8s.validate import Manifest, validate_manifests


def deployed_object(overlay: str, kind: str, name: str) -> dict[str, Any]:
    for resource in render_overlay(overlay):
        if resource.kind == kind and resource.name == name:
            return resource.obj
    raise LookupError(f"k8s/overlays/{overlay} deploys no {kind}/{name}")


def validate_patch(overlay: str, kind: str, name: str, patch: dict[str, Any], *,
                   source: str) -> list[Finding]:
    """Findings for ``patch`` applied to ``kind/name`` as ``overlay`` deploys it."""
    before = deployed_object(overlay, kind, name)
    after = merge_patch(before, patch)
    label = f"{kind}/{name}"
    findings = validate_manifests([Manifest(after, source)])
    findings += [Finding(source, label, path, message)
                 for path, message in _spec_change_issues(before, after)]
    return findings


def _spec_change_issues(before: dict[str, Any], after: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The operator's check on an update (DefaultValidator#validateSpecChange) that a replay
    patch can trip: a new redeploy nonce needs a savepoint path."""
    old_job = (before.get("spec") or {}).get("job") or {}
    new_job = (after.get("spec") or {}).get("job") or {}
    nonce = new_job.get("savepointRedeployNonce")
    if nonce is not None and nonce != old_job.get("savepointRedeployNonce"):
        if not str(new_job.get("initialSavepointPath") or "").strip():
            yield ("spec.job.initialSavepointPath",
                   "InitialSavepointPath must not be empty for savepoint redeployment")
