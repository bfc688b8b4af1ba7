"""The failure-embeddings job's pure steps, config and report clustering, without a JVM."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from argus_flink.contracts import Insight, ParsedEvent, Topic, parse, stable_insight_id
from argus_flink.failures.events import failure_event
from argus_flink.failures.patterns import latest_per_pattern, observe, pattern_update, \
    similar_insight
from argus_flink.failures.records import FailureEvent, PatternState
from argus_flink.failures.writer import PatternWriteError, PatternWriter, SimilarPolicy
from argus_flink.reports.failures import Pattern, clusters_of
from argus_flink.vectors.store import SimilarPattern
from graph.support import error_reported
from graph.support import test_executed as executed
from jobs.failure_embeddings import FailureEmbeddingsConfig, parse_config

T0 = datetime(2026, 11, 21, 10, tzinfo=UTC)
MS = int(T0.timestamp() * 1000)


def parsed(topic: str, document: dict) -> ParsedEvent:
    result = parse(topic, json.dumps(document).encode())
    assert isinstance(result, ParsedEvent), result
    return result


def event(at: int, *, sample: str = "E: x", project: str | None = "p", eid: str = "e"
          ) -> FailureEvent:
    return FailureEvent(eid, "org", project, "fp", "E: x", sample, at)


@pytest.mark.parametrize("status", ["passed", "skipped"])
def test_passed_and_skipped_results_are_not_failures(status):
    doc = executed("org", "p", "t", "r", status, "2026-11-21T10:00:00Z")
    assert failure_event(parsed(Topic.TEST_EXECUTED.value, doc)) is None


def test_a_failed_result_and_its_copy_on_test_failed_are_the_same_failure():
    doc = executed("org", "p", "t", "r", "failed", "2026-11-21T10:00:00Z",
                   error_message="AssertionError: expected 3 but got 4")
    one = failure_event(parsed(Topic.TEST_EXECUTED.value, doc))
    two = failure_event(parsed(Topic.TEST_FAILED.value, doc))
    assert one == two
    assert (one.org_id, one.project_id, one.at) == ("org", "p", MS)
    assert one.sample_message == "AssertionError: expected 3 but got 4"


def test_an_error_report_is_a_failure_and_fingerprints_per_org():
    docs = [error_reported(org, None, "2026-11-21T10:00:00Z", error_type="KeyError",
                           value="'user-42'", related_test_ids=[], affected_files=[])
            for org in ("a", "b")]
    a, b = (failure_event(parsed(Topic.ERROR_REPORTED.value, d)) for d in docs)
    assert a.text == b.text and a.fingerprint != b.fingerprint
    assert a.project_id is None


def test_state_counts_occurrences_and_keeps_the_earliest_sample():
    state = observe(None, event(MS + 5000, sample="late", project="p2"))
    assert state == PatternState("p2", "late", 1, MS + 5000, MS + 5000)
    state = observe(state, event(MS, sample="early", project="p1"))
    state = observe(state, event(MS + 9000, sample="latest", project="p3"))
    assert state == PatternState("p1", "early", 3, MS, MS + 9000)


def test_a_batch_writes_the_newest_state_of_each_pattern():
    e = event(MS)
    s1 = observe(None, e)
    s2 = observe(s1, event(MS + 1))
    updates = [pattern_update(e, s, topic="t", partition=0, offset=i, original="{}")
               for i, s in enumerate((s1, s2))]
    [latest] = latest_per_pattern(updates)
    assert latest.occurrences == 2 and latest.offset == 1


def test_an_insight_lists_the_matches_with_a_stable_id():
    update = pattern_update(event(MS), PatternState(None, "E: x", 3, MS, MS + 60_000),
                            topic="t", partition=0, offset=0, original="{}")
    assert similar_insight(update, []) is None
    match = SimilarPattern("other", 0.912345678, 7, "E: y", "p", T0, T0)
    insight = similar_insight(update, [match])
    assert insight.insight_id == stable_insight_id("similar_failure", "org", "fp")
    assert insight.project_id == ""
    assert insight.generated_at == datetime(2026, 11, 21, 10, 1, tzinfo=UTC)
    assert insight.payload.model_dump() == {
        "fingerprint": "fp", "sample_message": "E: x", "occurrences": 3,
        "similar_fingerprints": [{"fingerprint": "other", "similarity": 0.912346}]}
    Insight.model_validate_json(insight.model_dump_json())  # round-trips the contract


def test_a_database_that_cannot_be_reached_fails_the_batch_after_the_budget():
    embedded = []
    writer = PatternWriter("postgresql://nobody@127.0.0.1:1/none",
                           lambda texts: embedded.append(texts) or np.zeros((len(texts), 384),
                                                                            np.float32),
                           SimilarPolicy(), retry_budget_s=0.0, connect_timeout_s=1)
    update = pattern_update(event(MS), observe(None, event(MS)), topic="t", partition=0,
                            offset=0, original="{}")
    with pytest.raises(PatternWriteError, match="failure_patterns write failed"):
        writer.write([update], [update])
    assert embedded == [["E: x"]]  # one embed call per batch


def test_config_options():
    config = parse_config(["--batch-size", "50", "--flush-interval", "3", "--similar-k", "3",
                           "--min-similarity", "0.75", "--model-dir", "/m",
                           "--embed-batch-size", "16", "--retry-budget", "5"])
    assert (config.batch_size, config.flush_interval_s, config.similar_k,
            config.min_similarity, config.model_dir, config.embed_batch_size,
            config.retry_budget_s) == (50, 3.0, 3, 0.75, "/m", 16, 5.0)
    defaults = parse_config([])
    assert (defaults.similar_k, defaults.min_similarity, defaults.job_name) == (
        5, 0.8, "failure-embeddings")
    with pytest.raises(ValueError):
        FailureEmbeddingsConfig(endpoints=defaults.endpoints, min_similarity=1.5)


def test_clusters_are_connected_groups_of_similar_patterns():
    def pattern(fp: str, occurrences: int) -> Pattern:
        return Pattern("org", fp, None, fp, occurrences, T0)

    angles = np.radians([0, 20, 40, 120])  # 0-20 and 20-40 link at cos 20° ≈ 0.94
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    patterns = [pattern("a", 1), pattern("b", 5), pattern("c", 1), pattern("d", 9)]
    [cluster] = clusters_of(patterns, vectors, 0.9)
    assert [p.fingerprint for p in cluster.patterns] == ["b", "a", "c"]
    assert cluster.occurrences == 7
    assert cluster.min_similarity == pytest.approx(np.cos(np.radians(20)), abs=1e-6)
    assert clusters_of([], np.zeros((0, 384), np.float32), 0.9) == []
