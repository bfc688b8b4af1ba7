"""What the k8s tests expect of the rendered overlays (shared by the test modules)."""

OVERLAYS = ("dev", "prod")
JOBS = {
    "test-metrics": "jobs.test_metrics",
    "anomaly-flags": "jobs.anomaly_flags",
    "failure-embeddings": "jobs.failure_embeddings",
    "knowledge-graph": "jobs.knowledge_graph",
}
