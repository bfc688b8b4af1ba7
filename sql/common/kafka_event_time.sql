-- The raw source ${SOURCE} with event-time watermarks made inside the Kafka source, one per
-- partition, so a partition or topic read ahead of the others (a backlog, a replay from the
-- earliest offset) cannot push the watermark past records not read yet. The event time is the
-- contract's UTC `timestamp` field; a record without a readable one gets the epoch, which
-- never advances the watermark (the parse step dead-letters such records anyway).
CREATE TEMPORARY TABLE ${TABLE} (
    `watermark_time` AS COALESCE(
        TRY_CAST(REGEXP_REPLACE(REPLACE(JSON_VALUE(CAST(`value` AS STRING), '$.timestamp'),
                                        'T', ' '), '(Z|\+00:00)$', '') AS TIMESTAMP(3)),
        TIMESTAMP '1970-01-01 00:00:00'),
    WATERMARK FOR `watermark_time` AS `watermark_time` - INTERVAL '${WATERMARK_DELAY_S}' SECOND
) WITH (
    -- A partition silent this long stops holding the watermark back.
    'scan.watermark.idle-timeout' = '${IDLE_TIMEOUT_MS} ms'
) LIKE ${SOURCE}
