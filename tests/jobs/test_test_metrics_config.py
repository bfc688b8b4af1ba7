"""The test-metrics job's config and rendering, without a JVM."""

from __future__ import annotations

import argparse

import pytest

from argus_flink.endpoints import Endpoints
from argus_flink.sql.render import SQL_DIR, job_files
from argus_flink.templating import placeholders
from jobs.test_metrics import TestMetricsConfig, parse_config, parse_offsets, render_sql

ENDPOINTS = Endpoints(
    kafka_bootstrap="broker:9092", postgres_dsn="postgresql://u:p@db/argus",
    postgres_jdbc_url="jdbc:postgresql://db:5432/argus", postgres_user="argus",
    postgres_password="pa'ss", bolt_uri="bolt://g:7687", graph_user="root",
    graph_password="x")


def config(**overrides) -> TestMetricsConfig:
    return TestMetricsConfig.from_endpoints(ENDPOINTS, **overrides)


def test_every_placeholder_of_the_sql_has_a_value():
    used = set().union(*(placeholders(p.read_text()) for p in job_files("test-metrics")))
    assert used == set(config().sql_variables())


def test_values_are_escaped_for_sql_literals():
    rendered = render_sql(config()).text
    assert "'password'                   = 'pa''ss'" in rendered
    assert "'properties.bootstrap.servers' = 'broker:9092'" in rendered


def test_bounded_offsets_render_as_specific_offsets():
    rendered = render_sql(config(bounded_offsets=((0, 12), (1, 0)))).text
    assert "'scan.bounded.mode'            = 'specific-offsets'," in rendered
    assert "'partition:0,offset:12;partition:1,offset:0'" in rendered
    assert "scan.bounded" not in render_sql(config()).text


def test_sasl_properties_reach_every_kafka_table(monkeypatch):
    monkeypatch.setenv("ARGUS_KAFKA_SASL_USERNAME", "svc")
    monkeypatch.setenv("ARGUS_KAFKA_SASL_PASSWORD", "secret")
    endpoints = Endpoints(**{**ENDPOINTS.model_dump(), "postgres_dsn": "x",
                             "postgres_password": "y", "graph_password": "z"})
    rendered = render_sql(TestMetricsConfig.from_endpoints(endpoints)).text
    assert rendered.count("'properties.security.protocol' = 'SASL_SSL',") == 3
    assert "password=\"secret\"" in rendered


def test_cluster_settings_are_set_only_when_given():
    assert config().flink_settings() == {}
    settings = config(parallelism=3, checkpoint_interval="2s").flink_settings()
    assert settings == {"parallelism.default": "3", "execution.checkpointing.interval": "2s"}
    assert render_sql(config(parallelism=3)).text.count("SET 'parallelism.default' = '3';") == 1


def test_the_command_line_builds_the_config():
    parsed = parse_config(["--window-minutes", "1", "--watermark-seconds", "5",
                           "--bounded-offsets", "0:3,2:9", "--watermark-emit", "on-event"],
                          endpoints=ENDPOINTS)
    assert (parsed.window_minutes, parsed.watermark_delay_seconds) == (1, 5)
    assert parsed.bounded_offsets == ((0, 3), (2, 9))
    assert parsed.watermark_emit_strategy == "on-event"
    assert "INTERVAL '1' MINUTE" in render_sql(parsed).text


def test_bad_values_are_refused():
    with pytest.raises(argparse.ArgumentTypeError):
        parse_offsets("0:3,x")
    with pytest.raises(ValueError):
        config(window_minutes=0)
    with pytest.raises(ValueError):
        config(watermark_emit_strategy="sometimes")


def test_the_sql_lives_in_one_folder_with_one_purpose_per_file():
    names = [p.name for p in job_files("test-metrics")]
    assert names == sorted(names) and names[-1].endswith("pipeline.sql")
    assert (SQL_DIR / "test_metrics").is_dir()
