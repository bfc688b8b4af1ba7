"""The savepoint catalog on S3-compatible storage, against moto's S3 server on loopback.

The layout is production's: ``s3://<bucket>/<job>/savepoints/savepoint-*/`` holding
``_metadata`` and state files; endpoints come from flink-conf and credentials from the
environment, as they do for R2.
"""

from __future__ import annotations

import json
import struct
import time
import uuid

import boto3
import pytest
import typer
from click.testing import Result
from moto.server import ThreadedMotoServer
from typer.testing import CliRunner

from argus_flink.ops.cli import register
from argus_flink.ops.catalog_s3 import S3Location, S3SavepointCatalog, s3_client
from argus_flink.ops.errors import ObjectStoreError
from argus_flink.ops.s3_endpoint import resolve_endpoint
from argus_flink.stack.process import port_is_free
from ops.fake_flink import JOB_ID, FakeFlink, checkpoints, overview

BUCKET = "argus-flink-prod"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret",
               "AWS_REGION": "us-east-1"}


def free_port() -> int:
    for port in range(45000, 45100):
        if port_is_free(port):
            return port
    raise RuntimeError("no free port for the S3 server")


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def s3_env(s3_endpoint):
    env = {"ARGUS_S3_ENDPOINT": s3_endpoint, **CREDENTIALS}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        yield env


def metadata_bytes(checkpoint_id: int) -> bytes:
    return struct.pack(">iiq", 0x4960672D, 5, checkpoint_id) + b"\x00" * 48


def fill_bucket(s3, bucket: str) -> None:
    """Two jobs' savepoints, written in order so their times differ, plus things that are not
    savepoints: a checkpoint and an unfinished savepoint without _metadata."""
    s3.create_bucket(Bucket=bucket)
    layout = [
        ("test-metrics", "savepoint-aaaaaa-000000000001", 3, 2),
        ("anomaly-flags", "savepoint-bbbbbb-000000000001", 4, 1),
        ("test-metrics", "savepoint-aaaaaa-000000000002", 8, 1),
        ("test-metrics", "savepoint-cccccc-000000000003", 12, 3),
    ]
    for job, name, checkpoint_id, files in layout:
        prefix = f"{job}/savepoints/{name}"
        for i in range(files):
            s3.put_object(Bucket=bucket, Key=f"{prefix}/state-{i}", Body=b"s" * 1000)
        s3.put_object(Bucket=bucket, Key=f"{prefix}/_metadata", Body=metadata_bytes(checkpoint_id))
        time.sleep(1.05)  # S3 times have one-second resolution
    s3.put_object(Bucket=bucket, Key="test-metrics/checkpoints/abc/chk-40/_metadata",
                  Body=metadata_bytes(40))
    s3.put_object(Bucket=bucket, Key="test-metrics/savepoints/savepoint-dddddd-000000000004/x",
                  Body=b"unfinished")


@pytest.fixture(scope="module")
def s3(s3_env):
    return boto3.client("s3", endpoint_url=s3_env["ARGUS_S3_ENDPOINT"])


@pytest.fixture(scope="module")
def bucket(s3):
    """A bucket the tests only read."""
    fill_bucket(s3, BUCKET)
    return BUCKET


@pytest.fixture
def scratch_bucket(s3):
    """A bucket of its own, for a test that deletes."""
    name = f"scratch-{uuid.uuid4().hex[:12]}"
    fill_bucket(s3, name)
    return name


def catalog(bucket: str = BUCKET, prefix: str = "") -> S3SavepointCatalog:
    location = S3Location.parse(f"s3://{bucket}/{prefix}")
    return S3SavepointCatalog(location, s3_client(resolve_endpoint(location.bucket)))


def ops_cli(*args: str, env: dict[str, str] | None = None) -> Result:
    app = typer.Typer()
    register(app)
    return CliRunner().invoke(app, list(args), env=env)


def test_lists_each_jobs_savepoints_newest_first_with_size_and_checkpoint(bucket):
    entries = catalog(bucket).list()
    assert [(e.location, e.job, e.checkpoint_id, e.size_bytes) for e in entries] == [
        (f"s3://{bucket}/test-metrics/savepoints/savepoint-cccccc-000000000003",
         "test-metrics", 12, 3 * 1000 + 64),
        (f"s3://{bucket}/test-metrics/savepoints/savepoint-aaaaaa-000000000002",
         "test-metrics", 8, 1000 + 64),
        (f"s3://{bucket}/anomaly-flags/savepoints/savepoint-bbbbbb-000000000001",
         "anomaly-flags", 4, 1000 + 64),
        (f"s3://{bucket}/test-metrics/savepoints/savepoint-aaaaaa-000000000001",
         "test-metrics", 3, 2 * 1000 + 64),
    ]
    job_prefix = catalog(bucket, "test-metrics/savepoints")
    assert [e.checkpoint_id for e in job_prefix.list("test-metrics")] == [12, 8, 3]


def test_delete_removes_every_object_of_one_savepoint(s3, scratch_bucket):
    store = catalog(scratch_bucket, "test-metrics")
    store.delete(store.list()[-1])
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=scratch_bucket)["Contents"]]
    assert not any("savepoint-aaaaaa-000000000001" in k for k in keys)
    assert any("savepoint-aaaaaa-000000000002" in k for k in keys)


def test_list_cli_reads_s3_locations(bucket):
    out = ops_cli("savepoints", "list", "test-metrics", "--location", f"s3://{bucket}", "--json")
    assert out.exit_code == 0, out.output
    listed = json.loads(out.stdout)
    assert [e["checkpoint_id"] for e in listed] == [12, 8, 3]
    assert listed[0]["created_at"] > listed[1]["created_at"]


def test_prune_keeps_the_newest_and_what_a_running_job_restored_from(scratch_bucket):
    restored = {"id": 3, "restore_timestamp": 1795309730524, "is_savepoint": True,
                "external_path": f"s3p://{scratch_bucket}/test-metrics/savepoints/"
                                 "savepoint-aaaaaa-000000000001"}
    fake = (FakeFlink()
            .on("GET", "/jobs/overview", overview((JOB_ID, "test-metrics", "RUNNING")))
            .on("GET", f"/jobs/{JOB_ID}/checkpoints", checkpoints(restored=restored)))
    with fake.serve() as flink:
        out = ops_cli("savepoints", "prune", "--keep", "1", "--location",
                      f"s3://{scratch_bucket}", "--rest-url", flink.url)
    assert out.exit_code == 0, out.output
    left = {(e.job, e.checkpoint_id) for e in catalog(scratch_bucket).list()}
    assert left == {("test-metrics", 12), ("test-metrics", 3), ("anomaly-flags", 4)}
    assert (f"kept s3://{scratch_bucket}/test-metrics/savepoints/savepoint-aaaaaa-000000000001:"
            " a running job restored from it") in " ".join(out.stdout.split())


def test_prune_refuses_when_it_cannot_ask_the_cluster(bucket):
    out = ops_cli("savepoints", "prune", "--keep", "1", "--location", f"s3://{bucket}",
                  "--rest-url", f"http://127.0.0.1:{free_port()}")
    assert out.exit_code == 1
    assert "no Flink cluster answers" in out.stderr and "--offline" in out.stderr
    assert len(catalog(bucket).list()) == 4


def test_prune_dry_run_deletes_nothing(bucket):
    out = ops_cli("savepoints", "prune", "--keep", "1", "--location",
                  f"s3://{bucket}/test-metrics", "--offline", "--dry-run")
    assert out.exit_code == 0, out.output
    assert "would delete 2" in out.stdout
    assert len(catalog(bucket).list()) == 4


def test_missing_credentials_are_named(bucket):
    out = ops_cli("savepoints", "list", "--location", f"s3://{bucket}", env={
        "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"})
    assert out.exit_code == 1
    assert "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in out.stderr


def test_a_missing_bucket_is_reported(s3_env):
    with pytest.raises(ObjectStoreError, match="NoSuchBucket"):
        S3SavepointCatalog(S3Location.parse("s3://no-such-bucket/x"),
                           s3_client(resolve_endpoint("no-such-bucket"))).list()


def test_production_endpoint_comes_from_flink_conf_by_bucket(monkeypatch):
    monkeypatch.delenv("ARGUS_S3_ENDPOINT", raising=False)
    endpoint = resolve_endpoint("argus-flink-prod")
    assert endpoint.url == "https://your-cloudflare-account-id.r2.cloudflarestorage.com"
    assert endpoint.path_style and endpoint.source == "flink-conf/prod.yaml"
    assert resolve_endpoint("anything", overlay="dev").source == "flink-conf/dev.yaml"
    with pytest.raises(ObjectStoreError, match="no S3 endpoint configured for bucket 'elsewhere'"):
        resolve_endpoint("elsewhere")
