"""The knowledge-graph job's frozen config from its command line (no JVM needed)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from jobs.knowledge_graph import INPUT_TOPICS, KnowledgeGraphConfig, parse_config


def test_defaults_suit_the_local_stack():
    config = parse_config([])
    assert config.job_name == "knowledge-graph"
    assert (config.batch_size, config.flush_interval_s, config.recent_runs) == (500, 2.0, 20)
    assert config.bounded_offsets == {}
    assert INPUT_TOPICS == ("argus.test.executed", "argus.test.failed", "argus.error.reported",
                            "argus.codebase.ingested")


def test_every_knob_has_an_option():
    config = parse_config([
        "--parallelism", "1", "--batch-size", "50", "--flush-interval", "0.5",
        "--retry-budget", "4", "--breaker-cooldown", "3", "--breaker-max-cooldown", "9",
        "--recent-runs", "10", "--dedupe-ttl", "3600", "--start-from", "latest-offset",
        "--bounded-offsets", "argus.test.executed=partition:0,offset:5"])
    assert (config.parallelism, config.batch_size, config.flush_interval_s,
            config.retry_budget_s, config.breaker_cooldown_s, config.breaker_max_cooldown_s,
            config.recent_runs, config.dedupe_ttl_s, config.start_from) == (
        1, 50, 0.5, 4.0, 3.0, 9.0, 10, 3600.0, "latest-offset")
    assert config.bounded_offsets == {"argus.test.executed": "partition:0,offset:5"}


def test_the_config_is_frozen_and_validated():
    config = parse_config([])
    with pytest.raises(ValidationError):
        config.batch_size = 1
    with pytest.raises(ValidationError):
        KnowledgeGraphConfig(endpoints=config.endpoints, batch_size=0)
