-- The `anomalies` table in PostgreSQL (migrations/0001_initial.sql), written as an upsert on
-- its primary key: insight ids are deterministic, so a replay overwrites rows in place. The
-- Postgres dialect rejects TIMESTAMP_LTZ; TIMESTAMP(3) values in UTC go into timestamptz.
CREATE TEMPORARY TABLE ${TABLE} (
    `insight_id`   STRING,
    `org_id`       STRING,
    `project_id`   STRING,
    `anomaly_kind` STRING,
    `subject`      STRING,
    `observed`     DOUBLE,
    `baseline`     DOUBLE,
    `score`        DOUBLE,
    `severity`     STRING,
    `window_start` TIMESTAMP(3),
    `detected_at`  TIMESTAMP(3),
    PRIMARY KEY (`insight_id`) NOT ENFORCED
) WITH (
    'connector'  = 'jdbc',
    'url'        = '${JDBC_URL}',
    'table-name' = 'anomalies',
    'username'   = '${JDBC_USER}',
    'password'   = '${JDBC_PASSWORD}',
    -- Anomalies are rare: flush within a second rather than wait for a full batch.
    'sink.buffer-flush.interval'  = '1s',
    'sink.buffer-flush.max-rows'  = '100',
    'sink.max-retries'            = '3'
)
