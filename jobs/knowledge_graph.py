"""knowledge-graph: orgs, projects, tests, runs, files, errors and commits in the Bolt graph.

Shape of the stream:

    argus.test.executed, argus.test.failed, argus.error.reported, argus.codebase.ingested
      -> parse and validate      -> Envelope(…, original, GraphEvent)   + DLQ (invalid records)
      -> key by org -> graph summaries (keyed state) -> GraphUpdate with absolute summaries
      -> key by org -> graph writer (batches, retries, circuit breaker)  + DLQ (sink_error)
    DLQ side outputs -> argus.dlq (one exactly-once sink)

The parse step is the shared runtime's (``make_parse_records``); its event-time watermark
and late-event split are left out on purpose: the graph has no windows, so an event that
arrives late is still a true fact and belongs in the graph, not in the DLQ.

``build_knowledge_graph(t_env, config)`` wires it; ``main()`` parses the config and
runs it. ``argus-flink submit knowledge-graph [options]`` runs ``main()`` on the cluster.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from pydantic import Field

from argus_flink.contracts import Topic
from argus_flink.runtime.config import StreamJobConfig, add_stream_arguments, stream_config_fields

log = logging.getLogger(__name__)

JOB = "knowledge-graph"
INPUT_TOPICS: tuple[str, ...] = (
    Topic.TEST_EXECUTED.value,
    Topic.TEST_FAILED.value,
    Topic.ERROR_REPORTED.value,
    Topic.CODEBASE_INGESTED.value,
)


class KnowledgeGraphConfig(StreamJobConfig):
    job_name: str = JOB
    #: Updates per org written in one transaction; a full batch is flushed at once.
    batch_size: int = Field(500, ge=1)
    #: The longest an update waits in a partial batch.
    flush_interval_s: float = Field(2.0, gt=0)
    #: How long one batch is retried before the graph counts as down.
    retry_budget_s: float = Field(15.0, ge=0)
    #: How long the circuit breaker stays open before it lets one probe through.
    breaker_cooldown_s: float = Field(10.0, gt=0)
    breaker_max_cooldown_s: float = Field(60.0, gt=0)
    #: Non-skipped runs per test behind its "recent" failure rate.
    recent_runs: int = Field(20, ge=1)
    #: How long an event id is remembered for de-duplication: the longest input retention.
    dedupe_ttl_s: float = Field(30 * 24 * 3600.0, gt=0)


def build_knowledge_graph(t_env, config: KnowledgeGraphConfig):
    """Wire the job into ``t_env``; returns the statement set holding its DLQ sink."""
    from pyflink.common import Types

    from argus_flink.graph.events import graph_event_row
    from argus_flink.graph.operators import make_graph_summaries, make_graph_writer, org_of
    from argus_flink.graph.records import GraphEvent, GraphUpdate
    from argus_flink.graph.rows import flink_type
    from argus_flink.graph.writer import GraphTarget, WritePolicy
    from argus_flink.runtime.kafka import add_message_sink, raw_source_union
    from argus_flink.runtime.routing import dlq_tag, envelope_type, make_parse_records

    # raw Row(topic, partition, offset, key, value) from the four topics
    raw = raw_source_union(t_env, config, INPUT_TOPICS)
    # Envelope(event_time, org_id, topic, partition, offset, original, event: GraphEvent)
    envelopes = (raw
                 .process(make_parse_records(config.job_name, config.max_payload_bytes,
                                             graph_event_row),
                          output_type=envelope_type(flink_type(GraphEvent)))
                 .name("parse and validate").uid("parse-and-validate"))
    # GraphUpdate: the event, its source record, and the absolute summaries it touched
    updates = (envelopes
               .key_by(org_of, key_type=Types.STRING())
               .process(make_graph_summaries(config.recent_runs, config.dedupe_ttl_s),
                        output_type=flink_type(GraphUpdate))
               .name("graph summaries").uid("graph-summaries"))
    policy = WritePolicy(retry_budget_s=config.retry_budget_s,
                         breaker_cooldown_s=config.breaker_cooldown_s,
                         breaker_max_cooldown_s=config.breaker_max_cooldown_s)
    # nothing on the main output: the graph is the sink; failures leave as dead letters
    written = (updates
               .key_by(org_of, key_type=Types.STRING())
               .process(make_graph_writer(GraphTarget.from_endpoints(config.endpoints), policy,
                                          batch_size=config.batch_size,
                                          flush_interval_s=config.flush_interval_s,
                                          job=config.job_name),
                        output_type=Types.BOOLEAN())
               .name("graph writer").uid("graph-writer"))
    dead_letters = envelopes.get_side_output(dlq_tag()).union(written.get_side_output(dlq_tag()))
    statement_set = t_env.create_statement_set()
    add_message_sink(t_env, statement_set, config, Topic.DLQ.value, "dlq", [dead_letters])
    return statement_set


def parse_config(argv: Sequence[str] | None = None) -> KnowledgeGraphConfig:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_stream_arguments(parser)
    for name in ("batch_size", "recent_runs"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, dest=name)
    for name in ("flush_interval_s", "retry_budget_s", "breaker_cooldown_s",
                 "breaker_max_cooldown_s", "dedupe_ttl_s"):
        parser.add_argument("--" + name.removesuffix("_s").replace("_", "-"), type=float,
                            dest=name)
    args = parser.parse_args(argv)
    own = {name: value for name, value in vars(args).items()
           if name in KnowledgeGraphConfig.model_fields
           and name not in StreamJobConfig.model_fields and value is not None}
    return KnowledgeGraphConfig(**stream_config_fields(args), **own)


def main(argv: Sequence[str] | None = None) -> None:
    from argus_flink.graph.schema import apply_schema
    from argus_flink.graph.writer import GraphTarget
    from argus_flink.runtime.environment import create_environments

    config = parse_config(argv)
    target = GraphTarget.from_endpoints(config.endpoints)
    try:
        with target.driver() as driver:  # constraints first: MERGE looks nodes up by them
            apply_schema(driver, target.database)
    except Exception as exc:  # noqa: BLE001 - an outage must not stop the job from starting
        log.warning("graph schema not applied (%s); the writer retries the graph, run "
                    "`argus-flink graph schema` once it answers", exc)
    env, t_env = create_environments(config)
    statement_set = build_knowledge_graph(t_env, config)
    statement_set.attach_as_datastream()
    env.execute(config.job_name)


if __name__ == "__main__":
    main()
