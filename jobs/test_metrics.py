"""test-metrics: 5-minute tumbling-window test metrics per (org, project), in Flink SQL.

The pipeline is the SQL in ``sql/test_metrics/``: raw records from ``argus.test.executed``
are checked in SQL, bad and late ones go to ``argus.dlq``, re-deliveries are dropped, and each
window becomes an Insight on ``argus.insight.generated`` and a row in PostgreSQL
``test_metrics``, all from one statement set.

``build_test_metrics(t_env, config)`` wires it; ``main()`` parses the config and runs it.
``argus-flink submit test-metrics [options]`` runs ``main()`` on the local cluster, and
``argus-flink sql render test-metrics [options]`` prints the same job as one SQL script.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from argus_flink.endpoints import Endpoints, load_endpoints
from argus_flink.sql.render import SQL_DIR, RenderedScript, options_block, render_job, sql_string
from argus_flink.topics import Topic

JOB = "test-metrics"
WATERMARK_EMIT_STRATEGIES = ("on-periodic", "on-event")


@dataclass(frozen=True)
class TestMetricsConfig:
    """Everything the job's SQL is rendered from; defaults suit the local stack."""

    __test__ = False  # not a pytest class despite the name

    kafka_bootstrap: str
    postgres_jdbc_url: str
    postgres_user: str
    postgres_password: str = field(repr=False)
    # Extra Kafka client properties (SASL in production), without the `properties.` prefix.
    kafka_client_options: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    input_topic: str = Topic.TEST_EXECUTED.value
    insight_topic: str = Topic.INSIGHT_GENERATED.value
    dlq_topic: str = Topic.DLQ.value
    window_minutes: int = 5
    watermark_delay_seconds: int = 30
    # Long enough that a partition waiting behind another one's backlog (the Kafka reader
    # drains one partition's fetch before the next) is not taken for idle, which would let
    # the watermark pass its unread events and send them to the DLQ as late.
    source_idle_timeout: str = "1 min"
    # on-periodic emits every 200 ms; on-event after each record (deterministic, for tests).
    watermark_emit_strategy: str = "on-periodic"
    max_payload_bytes: int = 1_048_576
    consumer_group: str = "argus-test-metrics"
    transactional_id_prefix: str = "argus-test-metrics"
    # Bounded runs: stop at these end offsets, as ((partition, offset), ...).
    bounded_offsets: tuple[tuple[int, int], ...] | None = None
    job_name: str = JOB
    # Left to the cluster (flink-conf, the FlinkDeployment) unless set.
    parallelism: int | None = None
    checkpoint_interval: str | None = None

    def __post_init__(self) -> None:
        for name in ("window_minutes", "max_payload_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        if self.watermark_delay_seconds < 0:
            raise ValueError("watermark_delay_seconds must be >= 0")
        if self.watermark_emit_strategy not in WATERMARK_EMIT_STRATEGIES:
            raise ValueError(f"watermark_emit_strategy must be one of {WATERMARK_EMIT_STRATEGIES}")
        if self.parallelism is not None and self.parallelism < 1:
            raise ValueError("parallelism must be >= 1")

    @classmethod
    def from_endpoints(cls, endpoints: Endpoints, **overrides: object) -> TestMetricsConfig:
        client = endpoints.kafka_client_properties()
        client.pop("bootstrap.servers", None)
        return cls(
            kafka_bootstrap=endpoints.kafka_bootstrap,
            postgres_jdbc_url=endpoints.postgres_jdbc_url,
            postgres_user=endpoints.postgres_user,
            postgres_password=endpoints.postgres_password.get_secret_value(),
            kafka_client_options=tuple(sorted(client.items())),
            **overrides,
        )

    def sql_variables(self) -> dict[str, str]:
        """Values of the ``${VAR}`` placeholders in ``sql/test_metrics/``, SQL-escaped."""
        security = {f"properties.{k}": v for k, v in self.kafka_client_options}
        bounded = {}
        if self.bounded_offsets is not None:
            bounded = {
                "scan.bounded.mode": "specific-offsets",
                "scan.bounded.specific-offsets": ";".join(
                    f"partition:{p},offset:{o}" for p, o in self.bounded_offsets),
            }
        plain = {
            "JOB_NAME": self.job_name,
            "INPUT_TOPIC": self.input_topic,
            "INSIGHT_TOPIC": self.insight_topic,
            "DLQ_TOPIC": self.dlq_topic,
            "KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "CONSUMER_GROUP": self.consumer_group,
            "TRANSACTIONAL_ID_PREFIX": self.transactional_id_prefix,
            "POSTGRES_JDBC_URL": self.postgres_jdbc_url,
            "POSTGRES_USER": self.postgres_user,
            "POSTGRES_PASSWORD": self.postgres_password,
            "SOURCE_IDLE_TIMEOUT": self.source_idle_timeout,
            "WATERMARK_EMIT_STRATEGY": self.watermark_emit_strategy,
            "WATERMARK_DELAY_SECONDS": self.watermark_delay_seconds,
            "WINDOW_MINUTES": self.window_minutes,
            "MAX_PAYLOAD_BYTES": self.max_payload_bytes,
        }
        return {
            **{name: sql_string(value) for name, value in plain.items()},
            "KAFKA_SECURITY_OPTIONS": options_block(security),
            "SCAN_BOUNDED_OPTIONS": options_block(bounded),
        }

    def flink_settings(self) -> dict[str, str]:
        """Job settings that override the cluster's only when given."""
        settings = {}
        if self.parallelism is not None:
            settings["parallelism.default"] = str(self.parallelism)
        if self.checkpoint_interval is not None:
            settings["execution.checkpointing.interval"] = self.checkpoint_interval
        return settings


def render_sql(config: TestMetricsConfig, *, sql_dir: Path = SQL_DIR) -> RenderedScript:
    """The job as one runnable SQL script (what `argus-flink sql render test-metrics` prints)."""
    return render_job(JOB, config.sql_variables(), settings=config.flink_settings(),
                      sql_dir=sql_dir)


def build_test_metrics(t_env, config: TestMetricsConfig, *, sql_dir: Path = SQL_DIR):
    """Create the job's tables and views in ``t_env``; return its StatementSet, not executed."""
    from argus_flink.sql.pipeline import prepare_statement_set

    return prepare_statement_set(t_env, render_sql(config, sql_dir=sql_dir))


# --- configuration from the command line ----------------------------------------------------


def parse_offsets(text: str) -> tuple[tuple[int, int], ...]:
    """``"0:120,1:98,2:0"`` -> ((0, 120), (1, 98), (2, 0)): end offset per partition."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        partition, _, offset = item.partition(":")
        if not (partition.isdigit() and offset.isdigit()):
            raise argparse.ArgumentTypeError(f"expected PARTITION:OFFSET, got {item!r}")
        pairs.append((int(partition), int(offset)))
    return tuple(pairs)


def _parser() -> argparse.ArgumentParser:
    d = TestMetricsConfig
    parser = argparse.ArgumentParser(prog=JOB, description=__doc__.split("\n\n")[0])
    parser.add_argument("--input-topic", default=d.input_topic)
    parser.add_argument("--insight-topic", default=d.insight_topic)
    parser.add_argument("--dlq-topic", default=d.dlq_topic)
    parser.add_argument("--window-minutes", type=int, default=d.window_minutes)
    parser.add_argument("--watermark-seconds", type=int, default=d.watermark_delay_seconds,
                        help="bounded out-of-orderness of event time")
    parser.add_argument("--idle-timeout", default=d.source_idle_timeout,
                        help="after this long without records a partition stops holding the "
                             "watermark back")
    parser.add_argument("--watermark-emit", choices=WATERMARK_EMIT_STRATEGIES,
                        default=d.watermark_emit_strategy)
    parser.add_argument("--max-payload-bytes", type=int, default=d.max_payload_bytes)
    parser.add_argument("--consumer-group", default=d.consumer_group)
    parser.add_argument("--transactional-id-prefix", default=d.transactional_id_prefix)
    parser.add_argument("--bounded-offsets", type=parse_offsets, default=None,
                        metavar="P:OFFSET,...", help="stop at these end offsets (bounded run)")
    parser.add_argument("--job-name", default=d.job_name)
    parser.add_argument("--parallelism", type=int, default=None)
    parser.add_argument("--checkpoint-interval", default=None, help="e.g. 10s")
    return parser


def parse_config(argv: Sequence[str] | None = None,
                 endpoints: Endpoints | None = None) -> TestMetricsConfig:
    """The config from the command line, with endpoints from ``ARGUS_*`` (local defaults)."""
    args = _parser().parse_args(argv)
    return TestMetricsConfig.from_endpoints(
        endpoints or load_endpoints(),
        input_topic=args.input_topic,
        insight_topic=args.insight_topic,
        dlq_topic=args.dlq_topic,
        window_minutes=args.window_minutes,
        watermark_delay_seconds=args.watermark_seconds,
        source_idle_timeout=args.idle_timeout,
        watermark_emit_strategy=args.watermark_emit,
        max_payload_bytes=args.max_payload_bytes,
        consumer_group=args.consumer_group,
        transactional_id_prefix=args.transactional_id_prefix,
        bounded_offsets=args.bounded_offsets,
        job_name=args.job_name,
        parallelism=args.parallelism,
        checkpoint_interval=args.checkpoint_interval,
    )


def main(argv: Sequence[str] | None = None) -> None:
    config = parse_config(argv)
    from pyflink.table import EnvironmentSettings, TableEnvironment

    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    build_test_metrics(t_env, config).execute()


if __name__ == "__main__":
    main()
