-- Sink: one Insight per window on argus.insight.generated, keyed by org_id.
-- Exactly-once: records are committed with the checkpoint that covers them. Consumers still
-- dedupe on insight_id, which is the same for the same window on every replay.
CREATE TABLE argus_insight_generated (
    org_id  STRING,                              -- the record key
    insight STRING                               -- the Insight JSON
) WITH (
    'connector'                         = 'kafka',
    'topic'                             = '${INSIGHT_TOPIC}',
    'properties.bootstrap.servers'      = '${KAFKA_BOOTSTRAP}',
    ${KAFKA_SECURITY_OPTIONS}
    'key.format'                        = 'raw',
    'key.fields'                        = 'org_id',
    'value.format'                      = 'raw',
    'value.fields-include'              = 'EXCEPT_KEY',
    'sink.delivery-guarantee'           = 'exactly-once',
    'sink.transactional-id-prefix'      = '${TRANSACTIONAL_ID_PREFIX}-insights',
    -- Must stay under the broker's transaction.max.timeout.ms (15 minutes by default).
    'properties.transaction.timeout.ms' = '900000'
);

-- insight_id: SHA-256 of type, org, project and window start, joined by the ASCII unit
-- separator, which cannot occur in an id, so no two windows share an id.
CREATE VIEW test_metrics_insights AS
SELECT
    org_id,
    JSON_OBJECT(
        'insight_id'   VALUE SHA256(CONCAT_WS(CHR(31), 'test_metrics', org_id, project_id, window_start_utc)),
        'insight_type' VALUE 'test_metrics',
        'org_id'       VALUE org_id,
        'project_id'   VALUE project_id,
        'window_start' VALUE window_start_utc,
        'window_end'   VALUE window_end_utc,
        'generated_at' VALUE DATE_FORMAT(CURRENT_TIMESTAMP, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z'''),
        'payload'      VALUE JSON_OBJECT(
            'total'           VALUE total,
            'passed'          VALUE passed,
            'failed'          VALUE failed,
            'skipped'         VALUE skipped,
            'errored'         VALUE errored,
            'flaky'           VALUE flaky,
            'pass_rate'       VALUE pass_rate,
            'avg_duration_ms' VALUE avg_duration_ms,
            'p95_duration_ms' VALUE p95_duration_ms
            NULL ON NULL)
    ) AS insight
FROM (
    SELECT
        *,
        DATE_FORMAT(window_start, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''') AS window_start_utc,
        DATE_FORMAT(window_end,   'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''') AS window_end_utc
    FROM test_metrics_windows
);
