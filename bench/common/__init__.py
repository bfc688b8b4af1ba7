"""Pieces the job benchmarks share: seeded input with known offsets, and a bounded job run
timed from the Flink REST API with the TaskManager's CPU time. Each benchmark runs on a
private stack (``argus_flink.settings.private_stack_env``) with a port offset of its own."""
