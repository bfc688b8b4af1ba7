"""Operations on running jobs: savepoints, stops, replays, the savepoint catalog (local and
object storage) and the Kubernetes manifests that replay a job in production.

Everything talks to Flink through its REST API (:mod:`argus_flink.ops.rest`); the only
exception is submission, which needs Flink's client to run the Python driver
(:func:`argus_flink.submit.flink_run`).
"""
