"""Flink's own floor for the test-metrics benchmark: the same topic read the way the job reads
it (Kafka source, raw key and value, the same parallelism and checkpointing), into a blackhole,
with no parsing at all. The gap between this and the job is the cost of the job's SQL.

Submitted by the benchmark as ``flink run --pyModule bench.test_metrics.flink_floor``:

    --bootstrap HOST:PORT --topic T --bounded-offsets 0:123,1:456 --parallelism 2
"""

from __future__ import annotations

import argparse
import time

from pyflink.table import EnvironmentSettings, TableEnvironment

from argus_flink.ops.rest import FlinkRest
from argus_flink.settings import StackSettings
from argus_flink.submit import flink_run
from bench.common.taskmanager import cpu_seconds, taskmanager_pid
from bench.test_metrics.baselines import Measured

SOURCE = """
CREATE TABLE floor_source (
    record_key   STRING,
    record_value STRING
) WITH (
    'connector' = 'kafka',
    'topic' = '{topic}',
    'properties.bootstrap.servers' = '{bootstrap}',
    'properties.group.id' = 'bench-flink-floor',
    'scan.startup.mode' = 'earliest-offset',
    'scan.bounded.mode' = 'specific-offsets',
    'scan.bounded.specific-offsets' = '{offsets}',
    'key.format' = 'raw',
    'key.fields' = 'record_key',
    'value.format' = 'raw',
    'value.fields-include' = 'EXCEPT_KEY'
)"""
SINK = "CREATE TABLE floor_sink (key_length INT, value_length INT) WITH ('connector' = 'blackhole')"
# Touch both columns, so neither can be pruned from the read.
QUERY = ("INSERT INTO floor_sink "
         "SELECT CHAR_LENGTH(record_key), CHAR_LENGTH(record_value) FROM floor_source")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--bounded-offsets", required=True, help="PARTITION:OFFSET,...")
    parser.add_argument("--parallelism", type=int, required=True)
    args = parser.parse_args(argv)
    offsets = ";".join(f"partition:{p},offset:{o}" for p, o in
                       (pair.split(":") for pair in args.bounded_offsets.split(",")))
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.get_config().set("parallelism.default", str(args.parallelism))
    t_env.get_config().set("pipeline.name", "test-metrics-bench-flink-floor")
    # Source and sink in tasks of their own, as the job's source hands records to the next
    # task over the network; it also lets the source's records be counted.
    t_env.get_config().set("pipeline.operator-chaining.enabled", "false")
    t_env.execute_sql(SOURCE.format(topic=args.topic, bootstrap=args.bootstrap,
                                    offsets=offsets))
    t_env.execute_sql(SINK)
    t_env.execute_sql(QUERY)


def measure(settings: StackSettings, topic: str, offsets: str, parallelism: int,
            records: int, timeout: float = 1_800) -> Measured:
    """Submit the floor job and wait for it to finish. Its time is the source task's, as
    Flink reports it (deployed -> finished); its CPU the TaskManager's from job start on."""
    rest = FlinkRest(settings.flink_rest_url)
    pid = taskmanager_pid(settings)
    job_id = flink_run(settings, "bench.test_metrics.flink_floor",
                       ["--bootstrap", settings.kafka_bootstrap, "--topic", topic,
                        "--bounded-offsets", offsets, "--parallelism", str(parallelism)])
    cpu = cpu_seconds(pid)
    deadline = time.monotonic() + timeout
    while (job := rest.job(job_id))["state"] != "FINISHED":
        if job["state"] in ("FAILED", "CANCELED") or time.monotonic() > deadline:
            raise RuntimeError(f"the floor job {job_id} is {job['state']}")
        time.sleep(0.2)
    cpu = cpu_seconds(pid) - cpu
    source = next(vertex for vertex in job["vertices"] if vertex["name"].startswith("Source:"))
    read = source["metrics"]["write-records"]
    if read != records:
        raise RuntimeError(f"the floor job {job_id} read {read:,} of {records:,} records")
    return Measured(records, source["duration"] / 1000, cpu)


if __name__ == "__main__":
    main()
