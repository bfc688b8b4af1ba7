"""failure-embeddings: fingerprint failures, embed new ones, store them in pgvector, and tell
which known failures of the same org a new failure resembles.

Shape of the stream:

    argus.test.failed, argus.test.executed (failed/error only), argus.error.reported
      -> parse and validate   -> Envelope(…, original, FailureEvent)      + DLQ (invalid records)
      -> key by org -> failure patterns (event-id dedupe, absolute counts per fingerprint)
      -> key by org -> pattern writer (batch: embed new fingerprints in one call, upsert all,
                       org-scoped top-k lookup for each new one)          + DLQ (sink_error)
      -> similar_failure Insight messages -> argus.insight.generated
    DLQ side outputs -> argus.dlq

The parse step is the shared runtime's (``make_parse_records``); its event-time watermark and
late-event split are left out on purpose, as in the knowledge-graph job: there are no windows,
and a failure that arrives late is still an occurrence that belongs in its pattern's counts
(first_seen and last_seen are min/max of event time, whatever the arrival order).

``build_failure_embeddings(env, t_env, config)`` wires it; ``main()`` parses the config and
runs it. ``argus-flink submit failure-embeddings [options]`` runs ``main()`` on the cluster.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from pydantic import Field

from argus_flink.contracts import Topic
from argus_flink.runtime.config import StreamJobConfig, add_stream_arguments, stream_config_fields

JOB = "failure-embeddings"
INPUT_TOPICS: tuple[str, ...] = (
    Topic.TEST_EXECUTED.value,
    Topic.TEST_FAILED.value,
    Topic.ERROR_REPORTED.value,
)


class FailureEmbeddingsConfig(StreamJobConfig):
    job_name: str = JOB
    #: Pattern updates per org written in one batch; a full batch is flushed at once.
    batch_size: int = Field(256, ge=1)
    #: The longest an update waits in a partial batch.
    flush_interval_s: float = Field(2.0, gt=0)
    #: Texts per model call inside one batch's single ``embed`` call.
    embed_batch_size: int = Field(32, ge=1)
    #: How many similar patterns an insight lists, at most.
    similar_k: int = Field(5, ge=1, le=100)
    #: Cosine similarity a stored pattern needs to count as similar.
    min_similarity: float = Field(0.8, ge=-1.0, le=1.0)
    #: How long one batch is retried while PostgreSQL is unreachable before it is dead-lettered.
    retry_budget_s: float = Field(15.0, ge=0)
    #: How long an event id is remembered for de-duplication: the longest input retention.
    dedupe_ttl_s: float = Field(30 * 24 * 3600.0, gt=0)
    #: Where the ONNX model is; None is where set-up installs it.
    model_dir: str | None = None


def build_failure_embeddings(env, t_env, config: FailureEmbeddingsConfig):
    """Wire the job into ``env``/``t_env``; returns the statement set holding its Kafka sinks."""
    from pyflink.common import Types

    from argus_flink.failures.events import failure_event_row
    from argus_flink.failures.operators import make_failure_patterns, make_pattern_writer, org_of
    from argus_flink.failures.records import FailureEvent, PatternUpdate
    from argus_flink.failures.writer import SimilarPolicy
    from argus_flink.graph.rows import flink_type
    from argus_flink.runtime.kafka import add_message_sink, raw_source_union
    from argus_flink.runtime.routing import (
        dlq_tag,
        envelope_type,
        make_parse_records,
        message_type,
    )

    # raw Row(topic, partition, offset, key, value) from the three topics
    raw = raw_source_union(t_env, config, INPUT_TOPICS)
    # Envelope(event_time, org_id, topic, partition, offset, original, event: FailureEvent);
    # passed and skipped results are dropped here (their row is None)
    envelopes = (raw
                 .process(make_parse_records(config.job_name, config.max_payload_bytes,
                                             failure_event_row),
                          output_type=envelope_type(flink_type(FailureEvent)))
                 .name("parse and validate").uid("parse-and-validate"))
    # PatternUpdate: one per distinct event, with its pattern's absolute values
    updates = (envelopes
               .key_by(org_of, key_type=Types.STRING())
               .process(make_failure_patterns(config.dedupe_ttl_s),
                        output_type=flink_type(PatternUpdate))
               .name("failure patterns").uid("failure-patterns"))
    # MESSAGE rows (org_id, Insight JSON): new patterns that resemble known ones
    insights = (updates
                .key_by(org_of, key_type=Types.STRING())
                .process(make_pattern_writer(
                    config.endpoints.postgres_dsn.get_secret_value(),
                    SimilarPolicy(config.similar_k, config.min_similarity),
                    model_dir=config.model_dir, embed_batch_size=config.embed_batch_size,
                    batch_size=config.batch_size, flush_interval_s=config.flush_interval_s,
                    retry_budget_s=config.retry_budget_s, job=config.job_name),
                    output_type=message_type())
                .name("pattern writer").uid("pattern-writer"))
    dead_letters = envelopes.get_side_output(dlq_tag()).union(insights.get_side_output(dlq_tag()))
    statement_set = t_env.create_statement_set()
    add_message_sink(t_env, statement_set, config, Topic.INSIGHT_GENERATED.value, "insights",
                     [insights])
    add_message_sink(t_env, statement_set, config, Topic.DLQ.value, "dlq", [dead_letters])
    return statement_set


def parse_config(argv: Sequence[str] | None = None) -> FailureEmbeddingsConfig:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_stream_arguments(parser)
    for name in ("batch_size", "embed_batch_size", "similar_k"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, dest=name)
    for name in ("flush_interval_s", "retry_budget_s", "dedupe_ttl_s"):
        parser.add_argument("--" + name.removesuffix("_s").replace("_", "-"), type=float,
                            dest=name)
    parser.add_argument("--min-similarity", type=float, dest="min_similarity")
    parser.add_argument("--model-dir", dest="model_dir")
    args = parser.parse_args(argv)
    own = {name: value for name, value in vars(args).items()
           if name in FailureEmbeddingsConfig.model_fields
           and name not in StreamJobConfig.model_fields and value is not None}
    return FailureEmbeddingsConfig(**stream_config_fields(args), **own)


def main(argv: Sequence[str] | None = None) -> None:
    from argus_flink.runtime.environment import create_environments

    config = parse_config(argv)
    env, t_env = create_environments(config)
    statement_set = build_failure_embeddings(env, t_env, config)
    statement_set.attach_as_datastream()
    env.execute(config.job_name)


if __name__ == "__main__":
    main()
