# Two commands on a fresh clone: `make demo` and `make test`. Both run the set-up first.
.PHONY: setup demo test up down status lock bench-test-metrics

VENV := .venv
CLI := $(VENV)/bin/argus-flink

setup:
	@scripts/bootstrap

demo: setup
	$(CLI) demo

test: setup
	$(VENV)/bin/python -m pytest

up: setup
	$(CLI) up

down:
	$(CLI) down

status:
	$(CLI) status

# Re-resolve the pinned dependency tree after editing pyproject.toml.
lock:
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --python-version 3.11 \
		--generate-hashes -o requirements.lock

# test-metrics throughput vs a raw read and a Python consumer, on a stack of its own.
bench-test-metrics: setup
	$(VENV)/bin/python -m bench.test_metrics

# Knowledge graph: events/s batched vs per-event, and impact-query p99 on 100k tests, on a
# private graph server; writes bench/results/knowledge_graph.md.
.PHONY: bench-knowledge-graph
bench-knowledge-graph: setup
	$(VENV)/bin/python bench/knowledge_graph/bench.py

# anomaly-flags: events/s against a plain Python consumer running the same detectors,
# process vs thread mode, flag latency at 50% load and state per 10k tests, on a private
# stack; writes bench/results/anomaly_flags.md.
.PHONY: bench-anomaly-flags
bench-anomaly-flags: setup
	$(VENV)/bin/python -m bench.anomaly_flags

# failure-embeddings: embeddings/s in the job against the model called directly, and failure
# events/s against embeddings/s at the generator's repeat rate, on a private stack; writes
# bench/results/failure_embeddings.md.
.PHONY: bench-failure-embeddings
bench-failure-embeddings: setup
	$(VENV)/bin/python -m bench.failure_embeddings
