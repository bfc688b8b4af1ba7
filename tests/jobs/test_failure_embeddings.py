"""The failure-embeddings job on the real cluster: bounded input in Kafka -> exact rows in
failure_patterns, a similar_failure insight for each similar pair within an org and none
across orgs, invalid records in the DLQ, and a replay that leaves the table unchanged.

The job runs with a batch larger than the input and a long flush interval, so each org's
patterns are written in one batch at the end of the input: every new pattern then sees all
the others of its org, and the expected insights are exact (both directions of a pair).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from argus_flink.contracts import DeadLetter, Insight, Topic, stable_insight_id
from argus_flink.endpoints import load_endpoints
from argus_flink.vectors.store import connect
from graph.support import (
    OffsetLedger,
    error_reported,
    partition_counts,
    read_until,
    record,
    wait_for_job,
)
from graph.support import test_executed as executed
from udfs.embedding import Embedder
from udfs.failure_text import parts_from_event, signature

pytestmark = pytest.mark.integration

ORG_A, ORG_B = "fe-org-a", "fe-org-b"
MIN_SIMILARITY = 0.8
JOB_ARGS = ["--parallelism", "2", "--checkpoint-interval", "5", "--batch-size", "1000",
            "--flush-interval", "600", "--min-similarity", str(MIN_SIMILARITY),
            "--similar-k", "5"]

VISIBLE = ("TimeoutError: Timeout 30000ms exceeded waiting for selector '{selector}' "
           "to be visible")
ENABLED = ("TimeoutError: Timeout 30000ms exceeded waiting for selector '{selector}' "
           "to be enabled")
STACK = ("TimeoutError: Timeout 30000ms exceeded.\n"
         "    at CheckoutPage.open (/home/ci/work/tests/pages/checkout.ts:{line}:5)\n"
         "    at Context.<anonymous> (/home/ci/work/tests/checkout.spec.ts:{line2}:9)\n")
UNIQUE = 'duplicate key value violates unique constraint "users_email_key"'


def at(clock: str) -> str:
    return f"2026-11-21T{clock}Z"


def millis(clock: str) -> datetime:
    return datetime.fromisoformat(at(clock).replace("Z", "+00:00")).astimezone(UTC)


def events() -> dict[str, dict]:
    return {
        # F1 twice (different selector and lines normalise away), a1 also on test.failed
        "a1": executed(ORG_A, "web", "t-checkout", "r1", "failed", at("10:00:00"),
                            error_message=VISIBLE.format(selector="#checkout-button"),
                            stack_trace=STACK.format(line=12, line2=40)),
        "a2": executed(ORG_A, "web", "t-checkout", "r2", "failed", at("10:05:00"),
                            error_message=VISIBLE.format(selector="#pay-button"),
                            stack_trace=STACK.format(line=14, line2=41)),
        # F2: related to F1 but a different failure (enabled, not visible)
        "a3": executed(ORG_A, "mobile", "t-pay", "r3", "error", at("10:02:00"),
                            error_message=ENABLED.format(selector="#pay-button"),
                            stack_trace=STACK.format(line=20, line2=50)),
        # F3: unrelated
        "a4": error_reported(ORG_A, "api", at("10:03:00"), error_type="UniqueViolation",
                             value=UNIQUE, related_test_ids=[], affected_files=[]),
        # not failures
        "a5": executed(ORG_A, "web", "t-checkout", "r4", "passed", at("10:06:00")),
        "a6": executed(ORG_A, "web", "t-other", "r4", "skipped", at("10:06:00")),
        # org B: the very failure of a1, stored apart and never matched with org A
        "b1": executed(ORG_B, "web", "t-checkout", "r1", "failed", at("10:01:00"),
                            error_message=VISIBLE.format(selector="#checkout-button"),
                            stack_trace=STACK.format(line=12, line2=40)),
    }


def sig(document: dict):
    return signature(document["org_id"], parts_from_event(document))


def input_records(docs: dict[str, dict]) -> list:
    records = []
    for name in ("a1", "a2", "a5", "a6", "b1"):  # one partition per org: in event-time order
        records.append(record(Topic.TEST_EXECUTED.value, docs[name]))
    records.append(record(Topic.TEST_FAILED.value, docs["a1"]))  # the same event, again
    records.append(record(Topic.TEST_FAILED.value, docs["a3"]))
    records.append(record(Topic.ERROR_REPORTED.value, docs["a4"]))
    records.append(record(Topic.TEST_FAILED.value, b"{not json", org=ORG_A))
    return records


def snapshot(dsn: str) -> list[tuple]:
    with connect(dsn) as conn:
        rows = conn.execute(
            "SELECT org_id, fingerprint, project_id, sample_message, occurrences, first_seen,"
            " last_seen, updated_at, embedding FROM failure_patterns"
            " WHERE org_id = ANY(%s) ORDER BY org_id, fingerprint",
            ([ORG_A, ORG_B],)).fetchall()
    return [(*row[:8], row[8].to_numpy()) for row in rows]


def run_job(stack, ledger: OffsetLedger) -> None:
    from argus_flink.submit import flink_run

    args = ledger.bounded_args(partition_counts(stack.kafka_bootstrap)) + JOB_ARGS
    job_id = flink_run(stack, "jobs.failure_embeddings", args, timeout=300)
    wait_for_job(stack.flink_rest_url, job_id, "FINISHED", timeout=600)


def our_insights(messages) -> dict[str, Insight]:
    insights = {}
    for message in messages:
        insight = Insight.model_validate_json(message.value())
        if insight.org_id in (ORG_A, ORG_B) and insight.insight_type == "similar_failure":
            insights[insight.insight_id] = insight
    return insights


@pytest.fixture(scope="module")
def first_run(stack):
    docs = events()
    ledger = OffsetLedger(stack.kafka_bootstrap)
    records = input_records(docs)
    located = ledger.produce(records)
    run_job(stack, ledger)
    dsn = load_endpoints(stack).postgres_dsn.get_secret_value()
    return {"stack": stack, "ledger": ledger, "docs": docs, "records": records,
            "located": located, "dsn": dsn, "snapshot": snapshot(dsn)}


def test_the_scenario_is_what_it_claims():
    docs = events()
    f1, f2, f3, b = (sig(docs[n]) for n in ("a1", "a3", "a4", "b1"))
    assert sig(docs["a2"]).fingerprint == f1.fingerprint
    assert len({f1.fingerprint, f2.fingerprint, f3.fingerprint, b.fingerprint}) == 4
    vectors = Embedder().embed([f1.text, f2.text, f3.text])
    sims = vectors @ vectors.T
    # far from the threshold both ways, so the expected insights do not hinge on rounding
    assert sims[0, 1] >= MIN_SIMILARITY + 0.05
    assert max(sims[0, 2], sims[1, 2]) <= MIN_SIMILARITY - 0.05


def test_patterns_are_exact(first_run):
    docs = first_run["docs"]
    f1, f2, f3, b = (sig(docs[n]) for n in ("a1", "a3", "a4", "b1"))
    rows = {(r[0], r[1]): r[2:7] for r in first_run["snapshot"]}
    assert rows == {
        (ORG_A, f1.fingerprint): ("web", VISIBLE.format(selector="#checkout-button"), 2,
                                  millis("10:00:00"), millis("10:05:00")),
        (ORG_A, f2.fingerprint): ("mobile", ENABLED.format(selector="#pay-button"), 1,
                                  millis("10:02:00"), millis("10:02:00")),
        (ORG_A, f3.fingerprint): ("api", f"UniqueViolation: {UNIQUE}", 1,
                                  millis("10:03:00"), millis("10:03:00")),
        (ORG_B, b.fingerprint): ("web", VISIBLE.format(selector="#checkout-button"), 1,
                                 millis("10:01:00"), millis("10:01:00")),
    }
    texts = {f1.fingerprint: f1.text, f2.fingerprint: f2.text, f3.fingerprint: f3.text,
             b.fingerprint: b.text}
    expected = Embedder().embed([texts[r[1]] for r in first_run["snapshot"]])
    for row, vector in zip(first_run["snapshot"], expected, strict=True):
        stored = row[8]
        assert float(stored @ vector) >= 0.99, row[1]


def test_each_similar_pair_gets_an_insight_within_its_org_only(first_run):
    docs = first_run["docs"]
    f1, f2 = sig(docs["a1"]), sig(docs["a3"])
    [similarity] = (Embedder().embed([f1.text]) @ Embedder().embed([f2.text]).T).ravel()
    expected_ids = {stable_insight_id("similar_failure", ORG_A, f1.fingerprint),
                    stable_insight_id("similar_failure", ORG_A, f2.fingerprint)}
    messages = read_until(first_run["stack"].kafka_bootstrap, Topic.INSIGHT_GENERATED.value,
                          lambda m: set(our_insights(m)) >= expected_ids, timeout=180)
    insights = our_insights(messages)
    assert set(insights) == expected_ids  # none for F3, none for org B
    by_fingerprint = {i.payload.fingerprint: i for i in insights.values()}
    for this, other, sample, occurrences, project in (
            (f1, f2, VISIBLE.format(selector="#checkout-button"), 2, "web"),
            (f2, f1, ENABLED.format(selector="#pay-button"), 1, "mobile")):
        insight = by_fingerprint[this.fingerprint]
        assert (insight.org_id, insight.project_id) == (ORG_A, project)
        assert insight.payload.sample_message == sample
        assert insight.payload.occurrences == occurrences
        [match] = insight.payload.similar_fingerprints
        assert match.fingerprint == other.fingerprint
        assert match.similarity == pytest.approx(float(similarity), abs=0.01)


def test_invalid_records_are_dead_lettered(first_run):
    [(topic, partition, offset)] = [
        place for rec, place in zip(first_run["records"], first_run["located"], strict=True)
        if rec.value == b"{not json"]

    def found(messages) -> set:
        letters = [DeadLetter.model_validate_json(m.value()) for m in messages]
        return {(d.source_topic, d.source_partition, d.source_offset, d.reason)
                for d in letters if d.job == "failure-embeddings"}

    expected = {(topic, partition, offset, "invalid_json")}
    messages = read_until(first_run["stack"].kafka_bootstrap, Topic.DLQ.value,
                          lambda m: found(m) >= expected, timeout=180)
    assert found(messages) == expected


def test_replaying_the_same_input_leaves_the_table_unchanged(first_run):
    run_job(first_run["stack"], first_run["ledger"])  # fresh state, same offsets
    again = snapshot(first_run["dsn"])
    assert [r[:8] for r in again] == [r[:8] for r in first_run["snapshot"]]
    for before, after in zip(first_run["snapshot"], again, strict=True):
        assert np.array_equal(before[8], after[8])


def test_insight_json_has_the_contract_fields(first_run):
    messages = read_until(first_run["stack"].kafka_bootstrap, Topic.INSIGHT_GENERATED.value,
                          lambda m: len(our_insights(m)) >= 2, timeout=180)
    document = json.loads(next(m.value() for m in messages
                               if json.loads(m.value()).get("org_id") == ORG_A))
    assert set(document["payload"]) >= {"fingerprint", "similar_fingerprints",
                                        "sample_message", "occurrences"}
