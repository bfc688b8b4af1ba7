"""Kafka sources and sinks for the DataStream jobs, declared as tables from `sql/common/`.

PyFlink's DataStream KafkaSource builder only offers value-only deserialisation, which loses
the partition and offset a dead letter must carry, and its KafkaSink cannot key records by
org_id. The Kafka table connector runs the same KafkaSource and KafkaSink underneath and
exposes both, so the jobs declare their topics as tables and convert to and from DataStreams.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from argus_flink.runtime.config import StreamJobConfig
from argus_flink.settings import PROJECT_ROOT
from argus_flink.templating import render

SQL_DIR = PROJECT_ROOT / "sql" / "common"


def _extra_options(options: Mapping[str, str]) -> str:
    """``, 'key' = 'value'`` lines for a WITH clause; values are config, quoted for SQL."""
    return "".join(
        f",\n    '{key}' = '{str(value).replace(chr(39), chr(39) * 2)}'"
        for key, value in options.items()
    )


def _table_name(prefix: str, topic: str) -> str:
    return f"{prefix}_{topic.replace('.', '_').replace('-', '_')}"


def _client_options(config: StreamJobConfig) -> dict[str, str]:
    props = config.endpoints.kafka_client_properties()
    props.pop("bootstrap.servers")
    return {f"properties.{key}": value for key, value in props.items()}


def raw_source_stream(t_env, config: StreamJobConfig, topic: str, *, event_time: bool = False):
    """A DataStream of Row(topic, partition, offset, key, value) for one topic.

    With ``event_time``, the stream also carries watermarks from the contract's ``timestamp``
    field, generated per partition inside the source (see sql/common/kafka_event_time.sql).
    """
    options = _client_options(config)
    if topic in config.bounded_offsets:
        options["scan.bounded.mode"] = "specific-offsets"
        options["scan.bounded.specific-offsets"] = config.bounded_offsets[topic]
    if config.start_from == "group-offsets":
        options["properties.auto.offset.reset"] = "earliest"
    table = _table_name("source", topic)
    t_env.execute_sql(render((SQL_DIR / "kafka_raw_source.sql").read_text(), {
        "TABLE": table,
        "TOPIC": topic,
        "KAFKA_BOOTSTRAP": config.endpoints.kafka_bootstrap,
        "GROUP_ID": config.group_id,
        "STARTUP_MODE": config.start_from,
        "EXTRA_OPTIONS": _extra_options(options),
    }, source="sql/common/kafka_raw_source.sql"))
    if not event_time:
        return t_env.to_data_stream(t_env.from_path(table))
    timed = f"{table}_timed"
    t_env.execute_sql(render((SQL_DIR / "kafka_event_time.sql").read_text(), {
        "TABLE": timed,
        "SOURCE": table,
        "WATERMARK_DELAY_S": f"{config.watermark_delay_s:.3f}",
        "IDLE_TIMEOUT_MS": int(config.idle_timeout_s * 1000),
    }, source="sql/common/kafka_event_time.sql"))
    from pyflink.table.expressions import col

    # The watermark stays in the stream when its column is projected away.
    return t_env.to_data_stream(t_env.from_path(timed).select(
        col("topic"), col("partition"), col("offset"), col("key"), col("value")))


def raw_source_union(t_env, config: StreamJobConfig, topics: Iterable[str], *,
                     event_time: bool = False):
    """One DataStream over several topics (one table per topic, so each can be bounded)."""
    streams = [raw_source_stream(t_env, config, topic, event_time=event_time)
               for topic in topics]
    return streams[0].union(*streams[1:]) if len(streams) > 1 else streams[0]


def add_message_sink(t_env, statement_set, config: StreamJobConfig, topic: str, sink: str,
                     streams: list) -> None:
    """Write the union of ``streams`` of MESSAGE rows to ``topic`` through one exactly-once sink.

    All streams for one topic go through one sink: two sinks with one transactional-id prefix
    in a TaskManager fail at start-up.
    """
    table = _table_name("sink", topic)
    t_env.execute_sql(render((SQL_DIR / "kafka_message_sink.sql").read_text(), {
        "TABLE": table,
        "TOPIC": topic,
        "KAFKA_BOOTSTRAP": config.endpoints.kafka_bootstrap,
        "TRANSACTIONAL_ID_PREFIX": config.transactional_id_prefix(sink),
        "EXTRA_OPTIONS": _extra_options(_client_options(config)),
    }, source="sql/common/kafka_message_sink.sql"))
    merged = streams[0].union(*streams[1:]) if len(streams) > 1 else streams[0]
    statement_set.add_insert(table, t_env.from_data_stream(merged))
