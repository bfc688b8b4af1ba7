"""Kubernetes deployment: render the kustomize overlays and validate manifests offline.

``argus-flink k8s`` (see :mod:`argus_flink.k8s.cli`) needs neither a cluster nor kubectl:
the overlays are built by a small kustomize equivalent, Flink resources are checked against
the operator's CRDs made strict plus its admission rules, and core objects against the
Kubernetes JSON schemas shipped by ``kubernetes-validate``.
"""
