"""anomaly-flags: keyed, event-time detectors of failure-rate spikes, duration regressions,
flaky tests and error bursts, with insights on Kafka and an upsert into PostgreSQL.

Shape of the stream:

    argus.test.executed + argus.error.reported (raw records, watermarks per partition)
      -> parse, split late                        (argus_flink.runtime; bad and late -> DLQ)
      -> Row DETECTOR_INPUT, keyed by (org, project)
      -> ProjectDetectors: failure-rate spike and error burst per project window,
                           duration regression and flaky test per test (MapState by test id)
      -> Row ANOMALY_OUTPUT (anomalies columns + Insight JSON), one per incident
           -> argus.insight.generated, key org_id (exactly-once)
           -> PostgreSQL `anomalies`, upsert on insight_id

Every operator has a name and a stable uid; the uids below are the savepoint contract of
this job, so never change the uid of a stateful operator.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import Field

from argus_flink.contracts import ErrorReportedEvent, ParsedEvent, TestExecutedEvent
from argus_flink.runtime.config import StreamJobConfig, add_stream_arguments, stream_config_fields
from argus_flink.settings import PROJECT_ROOT
from argus_flink.templating import render
from argus_flink.topics import Topic
from udfs.anomaly.records import NO_PROJECT, epoch_ms
from udfs.anomaly.thresholds import Thresholds

JOB_NAME = "anomaly-flags"
SQL_DIR = PROJECT_ROOT / "sql" / "anomaly_flags"
INPUT_TOPICS = (Topic.TEST_EXECUTED.value, Topic.ERROR_REPORTED.value)


class AnomalyFlagsConfig(StreamJobConfig):
    job_name: str = JOB_NAME
    thresholds: Thresholds = Thresholds()
    #: Test runs are judged in batches, one per this much event time: one timer and one pass
    #: over a project's state per batch instead of per run. It adds at most this much event
    #: time to a per-test flag's latency; both window sizes must be multiples of it.
    release_interval_s: int = Field(10, gt=0)
    #: Adds the run-volume detector in shadow mode (a new operator with its own uid).
    shadow_detector: bool = False
    #: Entries each Python worker keeps decoded in memory, per state kind. Every test is a
    #: map entry, so the defaults of 1,000 would miss on almost every run of a large suite.
    python_state_cache_entries: int = Field(20_000, ge=0)
    #: "process" runs the Python functions in worker processes; "thread" embeds them in the
    #: TaskManager JVM. PyFlink 2.0.2's thread mode cannot run this job: its `LIST(ROW)` map
    #: state fails on the first put (`make bench-anomaly-flags` tries both and says why).
    python_execution_mode: Literal["process", "thread"] = "process"


# --- parsed event -> detector input row ---------------------------------------------------

def to_detector_input(parsed: ParsedEvent):
    """The typed row for a valid event (see operators.DETECTOR_INPUT)."""
    from pyflink.common import Row

    event = parsed.event
    project_id = event.project_id or NO_PROJECT
    at = epoch_ms(event.timestamp)
    if isinstance(event, TestExecutedEvent):
        return Row(True, event.org_id, project_id, event.test_id, event.event_id,
                   event.commit_sha, event.status.value, event.duration_ms, at, event.is_flaky)
    if isinstance(event, ErrorReportedEvent):
        return Row(False, event.org_id, project_id, "", event.event_id, None, "", 0, at, False)
    return None


# --- pipeline ------------------------------------------------------------------------------

def build_detectors(events, config: AnomalyFlagsConfig):
    """Detector input rows -> ANOMALY_OUTPUT rows, one per incident."""
    from pyflink.common import Types

    from udfs.anomaly import operators as ops

    by_project = events.key_by(ops.project_key, key_type=Types.STRING())
    outputs = (by_project
               .process(ops.ProjectDetectors(config.thresholds, config.release_interval_s * 1000),
                        output_type=ops.ANOMALY_OUTPUT)
               .name("detect anomalies per project and test").uid("detect-anomalies"))
    if not config.shadow_detector:
        return outputs
    shadow = (by_project.process(ops.RunVolumeShadow(config.thresholds),
                                 output_type=ops.ANOMALY_OUTPUT)
              .name("shadow: learn run volume").uid("shadow-run-volume"))
    return outputs.union(shadow)


def add_anomalies_sink(t_env, statement_set, config: AnomalyFlagsConfig, outputs) -> None:
    """The `anomalies` table, upserted on insight_id through the JDBC sink."""
    endpoints = config.endpoints
    t_env.execute_sql(render((SQL_DIR / "anomalies_sink.sql").read_text(), {
        "TABLE": "anomalies_sink",
        "JDBC_URL": _sql_string(endpoints.postgres_jdbc_url),
        "JDBC_USER": _sql_string(endpoints.postgres_user),
        "JDBC_PASSWORD": _sql_string(endpoints.postgres_password.get_secret_value()),
    }, source="sql/anomaly_flags/anomalies_sink.sql"))
    statement_set.add_insert_sql(render((SQL_DIR / "upsert_anomalies.sql").read_text(), {
        "SINK": "anomalies_sink", "SOURCE_VIEW": outputs,
    }, source="sql/anomaly_flags/upsert_anomalies.sql"))


def build_anomaly_flags(env, t_env, config: AnomalyFlagsConfig):
    """Wire the whole job; returns the statement set holding its sinks."""
    from pyflink.common import Configuration
    from pyflink.table.expressions import col

    from argus_flink.runtime.kafka import add_message_sink
    from argus_flink.runtime.routing import parsed_events
    from udfs.anomaly.operators import DETECTOR_INPUT

    python = Configuration()
    for option in ("python.state.cache-size", "python.map-state.read-cache-size",
                   "python.map-state.write-cache-size"):
        python.set_integer(option, config.python_state_cache_entries)
    python.set_string("python.execution-mode", config.python_execution_mode)
    env.configure(python)
    # The Kafka sources and sinks are table operators: without planner-made uids their ids
    # are hashes of the graph's shape, and adding an operator anywhere orphans their state.
    t_env.get_config().set("table.exec.uid.generation", "ALWAYS")

    events, dead_letters = parsed_events(t_env, config, INPUT_TOPICS, DETECTOR_INPUT,
                                         to_detector_input)
    outputs = build_detectors(events, config)
    t_env.create_temporary_view("anomaly_outputs", t_env.from_data_stream(outputs))
    # Both sinks read the one view, so no further Python step sits between detector and sink.
    insights = t_env.to_data_stream(t_env.from_path("anomaly_outputs").select(
        col("org_id"), col("insight_json").alias("value")))

    statement_set = t_env.create_statement_set()
    add_message_sink(t_env, statement_set, config, Topic.INSIGHT_GENERATED.value, "insights",
                     [insights])
    add_message_sink(t_env, statement_set, config, Topic.DLQ.value, "dlq", [dead_letters])
    add_anomalies_sink(t_env, statement_set, config, "anomaly_outputs")
    return statement_set


# --- entry point ---------------------------------------------------------------------------

def _sql_string(value: str) -> str:
    """A value for a single-quoted SQL string literal."""
    return value.replace("'", "''")


def parse_config(argv: Sequence[str] | None) -> AnomalyFlagsConfig:
    parser = argparse.ArgumentParser(prog=JOB_NAME, description=__doc__.splitlines()[0])
    add_stream_arguments(parser)
    parser.add_argument("--thresholds", type=Path, metavar="JSON",
                        help="thresholds file (fields of udfs.anomaly.thresholds.Thresholds)")
    parser.add_argument("--state-ttl-days", type=float,
                        help="forget tests and projects not seen for this long")
    parser.add_argument("--release-interval", type=int, dest="release_interval_s",
                        help="seconds of event time per batch of test runs judged")
    parser.add_argument("--shadow-detector", action="store_true",
                        help="add the run-volume detector in shadow mode")
    parser.add_argument("--python-execution-mode", choices=["process", "thread"])
    args = parser.parse_args(argv)
    thresholds = (Thresholds.model_validate(json.loads(args.thresholds.read_text()))
                  if args.thresholds else Thresholds())
    if args.state_ttl_days is not None:
        thresholds = thresholds.model_copy(
            update={"state_ttl_s": int(args.state_ttl_days * 86_400)})
    extra = {name: getattr(args, name) for name in ("release_interval_s",
                                                     "python_execution_mode")
             if getattr(args, name)}
    return AnomalyFlagsConfig(thresholds=thresholds, shadow_detector=args.shadow_detector,
                              **extra, **stream_config_fields(args))


def main(argv: Sequence[str] | None = None) -> None:
    from argus_flink.runtime.environment import create_environments

    config = parse_config(sys.argv[1:] if argv is None else argv)
    env, t_env = create_environments(config)
    statement_set = build_anomaly_flags(env, t_env, config)
    statement_set.attach_as_datastream()
    env.execute(config.job_name)


if __name__ == "__main__":
    main()
