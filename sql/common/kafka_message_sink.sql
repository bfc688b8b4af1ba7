-- A topic written as (org_id key, JSON value), exactly once: records become visible when the
-- checkpoint that covers them completes. Every sink needs its own transactional-id prefix.
CREATE TEMPORARY TABLE ${TABLE} (
    `org_id` STRING,
    `value`  STRING
) WITH (
    'connector'                    = 'kafka',
    'topic'                        = '${TOPIC}',
    'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP}',
    'key.format'                   = 'raw',
    'key.fields'                   = 'org_id',
    'value.format'                 = 'raw',
    'value.fields-include'         = 'EXCEPT_KEY',
    'sink.delivery-guarantee'      = 'exactly-once',
    'sink.transactional-id-prefix' = '${TRANSACTIONAL_ID_PREFIX}',
    -- Longer than the longest checkpoint, shorter than the broker's transaction.max.timeout.ms.
    'properties.transaction.timeout.ms' = '900000'${EXTRA_OPTIONS}
)
