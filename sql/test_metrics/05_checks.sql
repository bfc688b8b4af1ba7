-- Type every field and decide, per record, whether it counts or why it is rejected.
--
-- `rejection` is NULL for an on-time, valid event; otherwise it reads '<reason>: <detail>'
-- with the reason codes of argus_flink.contracts (payload_too_large, invalid_json,
-- missing_org_id, schema_violation, late_event). The first failing check wins, in the order
-- argus_flink.contracts.parse uses: size, JSON, tenant, schema; lateness comes last.
CREATE VIEW test_executed_checked AS
SELECT
    *,
    CASE
        WHEN record_value IS NULL
            THEN 'invalid_json: the record has no value (a tombstone)'
        WHEN is_oversized
            THEN 'payload_too_large: the value is ' || CAST(CHAR_LENGTH(HEX(record_value)) / 2 AS STRING)
                 || ' bytes, the limit is ${MAX_PAYLOAD_BYTES}'
        -- Bytes that are not UTF-8 decode to U+FFFD, so they read back differently.
        WHEN ENCODE(record_value, 'UTF-8') <> CAST(record_value AS BYTES)
            THEN 'invalid_json: the value is not valid UTF-8'
        -- Flink's JSON parser stops after the first value; anything after it is still an error.
        WHEN contract_fields IS NULL OR NOT REGEXP(record_value, '\}\s*$')
            THEN 'invalid_json: the value is not a JSON object'
        WHEN org_id_json IS NULL OR NOT REGEXP(org_id, '\S')
            THEN 'missing_org_id: org_id is missing, null or empty'
        WHEN org_id IS NULL
            THEN 'schema_violation: org_id must be a string'
        WHEN event_id IS NULL OR event_id = ''
            THEN 'schema_violation: event_id must be a non-empty string'
        WHEN event_type IS NULL OR event_type = ''
            THEN 'schema_violation: event_type must be a non-empty string'
        WHEN event_time IS NULL OR NOT is_rfc3339_utc
            THEN 'schema_violation: timestamp must be an RFC 3339 UTC string such as 2026-11-21T10:00:00.123Z'
        WHEN `source` IS NULL OR `source` = ''
            THEN 'schema_violation: source must be a non-empty string'
        WHEN project_id_json IS NOT NULL AND project_id IS NULL
            THEN 'schema_violation: project_id must be a string or null'
        WHEN test_id IS NULL OR test_id = ''
            THEN 'schema_violation: test_id must be a non-empty string'
        WHEN run_id IS NULL OR run_id = ''
            THEN 'schema_violation: run_id must be a non-empty string'
        WHEN `status` IS NULL
            THEN 'schema_violation: status must be one of passed, failed, skipped, error'
        WHEN duration_ms IS NULL
            THEN 'schema_violation: duration_ms must be an integer'
        WHEN duration_ms < 0
            THEN 'schema_violation: duration_ms must be >= 0'
        WHEN is_flaky IS NULL
            THEN 'schema_violation: is_flaky must be true or false'
        WHEN flaky_confidence IS NULL OR flaky_confidence NOT BETWEEN 0 AND 1
            THEN 'schema_violation: flaky_confidence must be a number from 0 to 1'
        -- Behind the watermark, the event's window may already be written: count it nowhere.
        WHEN event_time <= CURRENT_WATERMARK(event_time)
            THEN 'late_event: event time ' || DATE_FORMAT(event_time, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''')
                 || ' is behind the watermark '
                 || DATE_FORMAT(CURRENT_WATERMARK(event_time), 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''')
    END AS rejection
FROM test_executed_typed;
