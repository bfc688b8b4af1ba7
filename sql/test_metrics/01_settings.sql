-- test-metrics: 5-minute test metrics per (org, project) from argus.test.executed.
-- Job-level settings. Parallelism and the checkpoint interval come from the cluster
-- (or `argus-flink submit test-metrics --parallelism N --checkpoint-interval 5s`).

SET 'pipeline.name' = '${JOB_NAME}';

-- Windows, the insights' timestamps and the JDBC sink's TIMESTAMP(3) columns are all UTC.
SET 'table.local-time-zone' = 'UTC';

-- Window and dedupe state lives in RocksDB; the Kafka sinks commit on exactly-once checkpoints.
SET 'state.backend.type' = 'rocksdb';
SET 'execution.checkpointing.mode' = 'EXACTLY_ONCE';

-- SQL operators copy what they keep into state and never hold on to an input record, so
-- chained operators can pass records on without a copy each (a copy holds the whole value).
SET 'pipeline.object-reuse' = 'true';
