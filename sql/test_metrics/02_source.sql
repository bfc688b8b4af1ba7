-- Source: argus.test.executed as raw text. Nothing can fail at deserialisation, so every
-- record reaches the checks below and either counts or lands in the DLQ with a reason.
CREATE TABLE argus_test_executed (
    record_key       STRING,                                     -- the org_id, by contract
    record_value     STRING,                                     -- the JSON event, unparsed
    source_topic     STRING  METADATA FROM 'topic'     VIRTUAL,
    source_partition INT     METADATA FROM 'partition' VIRTUAL,
    source_offset    BIGINT  METADATA FROM 'offset'    VIRTUAL,
    -- Event time from the JSON `timestamp` (RFC 3339 in UTC, with 0, 3, 6 or 9 fraction
    -- digits). It is NULL when missing or malformed: such rows never move the watermark and
    -- are dead-lettered as schema violations before any window sees them.
    event_time AS TO_TIMESTAMP_LTZ(
        JSON_VALUE(record_value, '$.timestamp'),
        'yyyy-MM-dd''T''HH:mm:ss[.SSSSSSSSS][.SSSSSS][.SSS]''Z'''),
    -- Producers deliver at most a few seconds out of order; the delay bounds how long a
    -- window waits for stragglers.
    WATERMARK FOR event_time AS event_time - INTERVAL '${WATERMARK_DELAY_SECONDS}' SECOND
) WITH (
    'connector'                    = 'kafka',
    'topic'                        = '${INPUT_TOPIC}',
    'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP}',
    ${KAFKA_SECURITY_OPTIONS}
    'properties.group.id'          = '${CONSUMER_GROUP}',
    'scan.startup.mode'            = 'earliest-offset',
    ${SCAN_BOUNDED_OPTIONS}
    'key.format'                   = 'raw',
    'key.fields'                   = 'record_key',
    'value.format'                 = 'raw',
    'value.fields-include'         = 'EXCEPT_KEY',
    -- A partition without traffic must not hold every window open; one that is merely
    -- waiting its turn behind another partition's backlog must not count as idle either.
    'scan.watermark.idle-timeout'  = '${SOURCE_IDLE_TIMEOUT}',
    'scan.watermark.emit.strategy' = '${WATERMARK_EMIT_STRATEGY}'
);
