"""The local stack answers real requests: broker, PostgreSQL+pgvector, Bolt and Flink."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import httpx
import psycopg
import pytest
from confluent_kafka import Producer
from neo4j import GraphDatabase

from argus_flink.kafka_io import read_topic
from argus_flink.stack import stack as local_stack
from argus_flink.stack.broker import admin_client, ensure_topics
from argus_flink.topics import TOPICS

pytestmark = pytest.mark.integration


def test_status_json_reports_every_service_healthy(stack):
    out = subprocess.run([sys.executable, "-m", "argus_flink", "status", "--json"],
                         capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    for key in ("kafka_bootstrap", "flink_rest_url", "postgres_dsn", "bolt_uri", "jobs"):
        assert key in report
    assert report["kafka_bootstrap"] == stack.kafka_bootstrap
    assert report["flink_rest_url"] == stack.flink_rest_url
    assert {name: svc["healthy"] for name, svc in report["services"].items()} == {
        "broker": True, "postgres": True, "graph": True, "flink": True}


def test_up_is_idempotent(stack):
    results = local_stack.up(stack)
    assert [r.started for r in results] == [False, False, False, False]
    assert ensure_topics(stack.kafka_bootstrap) == []


def test_every_contract_topic_exists_with_its_local_partitions(stack):
    metadata = admin_client(stack.kafka_bootstrap).list_topics(timeout=10)
    counts = {t.name: len(metadata.topics[t.name].partitions) for t in TOPICS}
    assert counts == {t.name: t.local_partitions for t in TOPICS}
    assert max(counts.values()) > 1


def test_produced_event_is_consumed_back(stack):
    org = str(uuid.uuid4())
    value = json.dumps({"event_id": str(uuid.uuid4()), "org_id": org}).encode()
    producer = Producer({"bootstrap.servers": stack.kafka_bootstrap, "enable.idempotence": True})
    producer.produce("argus.test.created", key=org.encode(), value=value)
    assert producer.flush(10) == 0
    messages = read_topic(stack.kafka_bootstrap, "argus.test.created", timeout=20, idle=3)
    assert any(m.key == org.encode() and m.value == value for m in messages)


def test_tables_and_vector_extension_exist(stack):
    with psycopg.connect(stack.postgres_dsn) as conn:
        tables = {r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
        assert {"test_metrics", "failure_patterns", "anomalies", "schema_migrations"} <= tables
        assert conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'"
                            ).fetchone() is not None
        index = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = "
                             "'failure_patterns_embedding_hnsw'").fetchone()
        assert "hnsw" in index[0] and "vector_cosine_ops" in index[0]
        dims = conn.execute("SELECT atttypmod FROM pg_attribute WHERE attrelid = "
                            "'failure_patterns'::regclass AND attname = 'embedding'").fetchone()
        assert dims == (384,)
        assert conn.execute("SHOW timezone").fetchone() == ("UTC",)


def test_bolt_answers_merge_and_match(stack):
    org = str(uuid.uuid4())
    with GraphDatabase.driver(stack.bolt_uri, auth=(stack.graph_user, stack.graph_password)) as d:
        for _ in range(2):  # MERGE twice: still one node
            d.execute_query("MERGE (o:Org {id: $id}) SET o.org_id = $id", id=org,
                            database_=stack.graph_db)
        records, _, _ = d.execute_query("MATCH (o:Org {id: $id}) RETURN count(o) AS n", id=org,
                                        database_=stack.graph_db)
    assert records[0]["n"] == 1


def test_flink_overview_reports_taskmanager_and_slots(stack):
    overview = httpx.get(f"{stack.flink_rest_url}/overview", timeout=5).json()
    assert overview["taskmanagers"] == 1
    assert overview["slots-total"] == stack.flink_slots
    config = {e["key"]: e["value"] for e in
              httpx.get(f"{stack.flink_rest_url}/jobmanager/config", timeout=5).json()}
    assert config["state.backend.type"] == "rocksdb"
    assert config["execution.checkpointing.mode"] == "EXACTLY_ONCE"
    assert config["execution.checkpointing.dir"].startswith("file://" + str(stack.home))
