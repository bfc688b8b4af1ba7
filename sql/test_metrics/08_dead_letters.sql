-- Sink: every rejected record on argus.dlq as a DeadLetter, keyed by its org_id when known
-- (from the event, else from the record key), exactly-once like the insights.
CREATE TABLE argus_dlq (
    org_id      STRING,                          -- the record key; NULL when unknown
    dead_letter STRING                           -- the DeadLetter JSON
) WITH (
    'connector'                         = 'kafka',
    'topic'                             = '${DLQ_TOPIC}',
    'properties.bootstrap.servers'      = '${KAFKA_BOOTSTRAP}',
    ${KAFKA_SECURITY_OPTIONS}
    'key.format'                        = 'raw',
    'key.fields'                        = 'org_id',
    'value.format'                      = 'raw',
    'value.fields-include'              = 'EXCEPT_KEY',
    'sink.delivery-guarantee'           = 'exactly-once',
    'sink.transactional-id-prefix'      = '${TRANSACTIONAL_ID_PREFIX}-dlq',
    'properties.transaction.timeout.ms' = '900000'
);

CREATE VIEW test_executed_dead_letters AS
SELECT
    known_org_id AS org_id,
    JSON_OBJECT(
        'reason'             VALUE SUBSTRING(rejection, 1, POSITION(': ' IN rejection) - 1),
        'detail'             VALUE SUBSTRING(rejection, POSITION(': ' IN rejection) + 2),
        'source_topic'       VALUE source_topic,
        'source_partition'   VALUE source_partition,
        'source_offset'      VALUE source_offset,
        'job'                VALUE 'test-metrics',
        'original'           VALUE CASE
            WHEN NOT original_truncated THEN record_value
            -- 64 Ki characters are 64 KiB unless some take several bytes; then 16 Ki always fit.
            WHEN CHAR_LENGTH(HEX(SUBSTRING(record_value, 1, 65536))) <= 131072
                THEN SUBSTRING(record_value, 1, 65536)
            ELSE SUBSTRING(record_value, 1, 16384)
        END,
        'original_truncated' VALUE original_truncated,
        'failed_at'          VALUE DATE_FORMAT(CURRENT_TIMESTAMP, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z'''),
        'org_id'             VALUE known_org_id
        NULL ON NULL
    ) AS dead_letter
FROM (
    SELECT
        *,
        COALESCE(CASE WHEN REGEXP(org_id, '\S') THEN org_id END, NULLIF(record_key, ''))
                                                                                   AS known_org_id,
        -- The original is kept up to 64 KiB of UTF-8 (HEX spells each byte with 2 characters).
        COALESCE(CHAR_LENGTH(HEX(record_value)) > 131072, FALSE)                  AS original_truncated
    FROM test_executed_checked
    WHERE rejection IS NOT NULL
);
