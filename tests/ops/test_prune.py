"""Which savepoints a prune removes: never a job's newest, never one a running job restored from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from argus_flink.ops.savepoint_catalog import (
    SavepointEntry,
    canonical_location,
    job_from_parts,
    latest,
    plan_prune,
)

T0 = datetime(2026, 11, 21, tzinfo=UTC)


def entry(job: str | None, hours: int, name: str | None = None) -> SavepointEntry:
    name = name or f"savepoint-{job or 'x'}-{hours}"
    return SavepointEntry(f"s3://bucket/{job}/savepoints/{name}", job, T0 + timedelta(hours=hours),
                          1024)


ENTRIES = [entry("test-metrics", h) for h in (1, 2, 3, 4)] + [
    entry("anomaly-flags", h) for h in (1, 5)] + [entry(None, 0)]


def names(entries):
    return [e.location.rsplit("/", 1)[1] for e in entries]


def test_keeps_the_newest_n_of_each_job():
    plan = plan_prune(ENTRIES, keep=1)
    assert names(plan.keep) == ["savepoint-anomaly-flags-5", "savepoint-test-metrics-4",
                                "savepoint-x-0"]
    # Same time: the location breaks the tie, so the order is stable.
    assert names(plan.delete) == ["savepoint-test-metrics-3", "savepoint-test-metrics-2",
                                  "savepoint-test-metrics-1", "savepoint-anomaly-flags-1"]
    assert plan.protected == []


def test_a_savepoint_a_running_job_restored_from_stays_whatever_its_age():
    # Flink reports restore paths in its own spelling; the catalog in another.
    restored = "s3p://bucket/test-metrics/savepoints/savepoint-test-metrics-1/"
    plan = plan_prune(ENTRIES, keep=2, restored_from=[restored])
    assert names(plan.protected) == ["savepoint-test-metrics-1"]
    assert names(plan.delete) == ["savepoint-test-metrics-2"]


def test_keep_must_leave_the_newest():
    with pytest.raises(ValueError, match="never pruned"):
        plan_prune(ENTRIES, keep=0)


def test_keeping_more_than_there_are_deletes_nothing():
    assert plan_prune(ENTRIES, keep=10).delete == []


def test_latest_is_per_job():
    assert names([latest(ENTRIES, "test-metrics")]) == ["savepoint-test-metrics-4"]
    assert latest(ENTRIES, "knowledge-graph") is None


@pytest.mark.parametrize(("spelling", "canonical"), [
    ("file:/a/b/", "file:///a/b"),
    ("file:///a/b", "file:///a/b"),
    ("/a/b", "file:///a/b"),
    ("s3a://bucket/k/savepoint-1/", "s3://bucket/k/savepoint-1"),
    ("s3://bucket/k/savepoint-1", "s3://bucket/k/savepoint-1"),
])
def test_locations_compare_in_one_spelling(spelling, canonical):
    assert canonical_location(spelling) == canonical


def test_the_job_comes_from_the_folders_above_the_savepoint():
    assert job_from_parts(["argus-flink-prod", "test-metrics", "savepoints"]) == "test-metrics"
    assert job_from_parts(["test-metrics-replay"]) == "test-metrics-replay"
    assert job_from_parts(["savepoints"]) is None
