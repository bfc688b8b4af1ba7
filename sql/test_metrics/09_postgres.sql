-- Sink: PostgreSQL test_metrics (migration 0001), upserted on its primary key, so a replayed
-- window overwrites its row with the same values. TIMESTAMP(3) in UTC goes into timestamptz:
-- the Postgres dialect rejects TIMESTAMP_LTZ, and the session time zone is UTC.
CREATE TABLE postgres_test_metrics (
    org_id          STRING,
    project_id      STRING,
    window_start    TIMESTAMP(3),
    window_end      TIMESTAMP(3),
    total           BIGINT,
    passed          BIGINT,
    failed          BIGINT,
    skipped         BIGINT,
    errored         BIGINT,
    flaky           BIGINT,
    pass_rate       DOUBLE,
    avg_duration_ms DOUBLE,
    p95_duration_ms DOUBLE,
    updated_at      TIMESTAMP(3),
    PRIMARY KEY (org_id, project_id, window_start) NOT ENFORCED
) WITH (
    'connector'                  = 'jdbc',
    'url'                        = '${POSTGRES_JDBC_URL}',
    'table-name'                 = 'test_metrics',
    'username'                   = '${POSTGRES_USER}',
    'password'                   = '${POSTGRES_PASSWORD}',
    'sink.buffer-flush.interval' = '1s',
    'sink.buffer-flush.max-rows' = '500',
    'sink.max-retries'           = '5'
);
