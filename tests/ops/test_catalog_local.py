"""The local savepoint directory: complete savepoints only, their job, time and size."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from argus_flink.ops.catalog_local import LocalSavepointCatalog, job_id_prefix, path_of


def write_savepoint(directory: Path, checkpoint_id: int, mtime: float,
                    state_bytes: int = 0) -> Path:
    directory.mkdir(parents=True)
    if state_bytes:
        (directory / "state-file").write_bytes(b"x" * state_bytes)
    metadata = directory / "_metadata"
    metadata.write_bytes(struct.pack(">iiq", 0x4960672D, 5, checkpoint_id) + b"\x00" * 84)
    os.utime(metadata, (mtime, mtime))
    return directory


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write_savepoint(tmp_path / "test-metrics" / "savepoint-aaaaaa-000000000001", 5, 1_000, 4_000)
    write_savepoint(tmp_path / "test-metrics" / "savepoint-aaaaaa-000000000002", 9, 3_000)
    write_savepoint(tmp_path / "anomaly-flags" / "savepoint-bbbbbb-000000000001", 2, 2_000)
    write_savepoint(tmp_path / "savepoint-cccccc-000000000001", 7, 4_000)  # `flink stop` default
    write_savepoint(tmp_path / "savepoint-dddddd-000000000001", 8, 500)  # job id long gone
    (tmp_path / "test-metrics" / "savepoint-aaaaaa-000000000003").mkdir()  # never completed
    write_savepoint(tmp_path / "test-metrics" / "chk-12", 12, 5_000)  # a checkpoint, not ours
    return tmp_path


def test_lists_complete_savepoints_newest_first_with_job_time_and_size(root):
    catalog = LocalSavepointCatalog(root, {"cccccc" + "0" * 26: "test-metrics"})
    entries = catalog.list()
    assert [(Path(path_of(e.location)).name, e.job, e.checkpoint_id) for e in entries] == [
        ("savepoint-cccccc-000000000001", "test-metrics", 7),
        ("savepoint-aaaaaa-000000000002", "test-metrics", 9),
        ("savepoint-bbbbbb-000000000001", "anomaly-flags", 2),
        ("savepoint-aaaaaa-000000000001", "test-metrics", 5),
        ("savepoint-dddddd-000000000001", None, 8),
    ]
    assert entries[3].size_bytes == 4_000 + 100
    assert entries[0].location.startswith("file:///")
    assert entries[0].created_at.timestamp() == 4_000


def test_filters_by_job(root):
    catalog = LocalSavepointCatalog(root)
    assert [e.checkpoint_id for e in catalog.list("test-metrics")] == [9, 5]
    assert catalog.list("knowledge-graph") == []


def test_a_missing_directory_is_an_empty_catalog(tmp_path):
    assert LocalSavepointCatalog(tmp_path / "none").list() == []


def test_deletes_only_inside_its_root(root, tmp_path_factory):
    catalog = LocalSavepointCatalog(root)
    oldest = catalog.list("test-metrics")[-1]
    catalog.delete(oldest)
    assert [e.checkpoint_id for e in catalog.list("test-metrics")] == [9]
    outside = write_savepoint(tmp_path_factory.mktemp("other") / "savepoint-eeeeee-1", 1, 1)
    stranger = LocalSavepointCatalog(outside.parent).list()[0]
    with pytest.raises(ValueError, match="outside"):
        catalog.delete(stranger)


def test_paths_and_job_id_prefixes():
    assert path_of("file:///a/b") == Path("/a/b") == path_of("file:/a/b") == path_of("/a/b")
    with pytest.raises(ValueError):
        path_of("s3://bucket/key")
    assert job_id_prefix("savepoint-aba886-78f38fc6d321") == "aba886"
    assert job_id_prefix("chk-3") is None
