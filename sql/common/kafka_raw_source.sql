-- One input topic read as raw bytes plus its Kafka coordinates. Nothing is decoded here, so a
-- malformed record can never fail the source: DataStream jobs parse each value themselves and
-- send what does not parse to the DLQ with its topic, partition and offset.
CREATE TEMPORARY TABLE ${TABLE} (
    `topic`     STRING  METADATA VIRTUAL,
    `partition` INT     METADATA VIRTUAL,
    `offset`    BIGINT  METADATA VIRTUAL,
    `key`       BYTES,
    `value`     BYTES
) WITH (
    'connector'                    = 'kafka',
    'topic'                        = '${TOPIC}',
    'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP}',
    'properties.group.id'          = '${GROUP_ID}',
    'scan.startup.mode'            = '${STARTUP_MODE}',
    'key.format'                   = 'raw',
    'key.fields'                   = 'key',
    'value.format'                 = 'raw',
    'value.fields-include'         = 'EXCEPT_KEY'${EXTRA_OPTIONS}
)
