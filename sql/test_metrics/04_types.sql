-- Step 3: typed values. A field of the wrong JSON type reads as NULL here, and the checks in
-- 05_checks.sql turn that NULL into a schema violation.
CREATE VIEW test_executed_typed AS
SELECT
    f.source_topic,
    f.source_partition,
    f.source_offset,
    f.record_key,
    f.record_value,
    f.event_time,
    f.contract_fields,
    f.org_id_json,
    f.project_id_json,
    t.*
FROM test_executed_fields AS f
CROSS JOIN UNNEST(ARRAY[ROW(
    -- Over MAX characters is too large; from MAX/4 characters on (a character takes up to 4
    -- bytes of UTF-8) the byte count decides, which only those values pay for.
    CASE
        WHEN CHAR_LENGTH(f.record_value) > ${MAX_PAYLOAD_BYTES} THEN TRUE
        WHEN CHAR_LENGTH(f.record_value) * 4 > ${MAX_PAYLOAD_BYTES}
            THEN CHAR_LENGTH(HEX(f.record_value)) / 2 > ${MAX_PAYLOAD_BYTES}
        ELSE FALSE
    END,
    -- Strings: ["..."].
    CASE WHEN f.event_id_json   LIKE '["%' THEN JSON_VALUE(f.event_id_json,   '$[0]') END,
    CASE WHEN f.event_type_json LIKE '["%' THEN JSON_VALUE(f.event_type_json, '$[0]') END,
    CASE WHEN f.org_id_json     LIKE '["%' THEN JSON_VALUE(f.org_id_json,     '$[0]') END,
    CASE WHEN f.project_id_json LIKE '["%' THEN JSON_VALUE(f.project_id_json, '$[0]') END,
    CASE WHEN f.source_json     LIKE '["%' THEN JSON_VALUE(f.source_json,     '$[0]') END,
    CASE WHEN f.test_id_json    LIKE '["%' THEN JSON_VALUE(f.test_id_json,    '$[0]') END,
    CASE WHEN f.run_id_json     LIKE '["%' THEN JSON_VALUE(f.run_id_json,     '$[0]') END,
    -- TO_TIMESTAMP_LTZ also reads other layouts (such as a space for the T): the contract
    -- allows only RFC 3339 in UTC.
    COALESCE(REGEXP(f.timestamp_json, '^\["[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}'
                                      || '(\.[0-9]{3}|\.[0-9]{6}|\.[0-9]{9})?Z"\]$'), FALSE),
    CASE f.status_json
        WHEN '["passed"]'  THEN 'passed'
        WHEN '["failed"]'  THEN 'failed'
        WHEN '["skipped"]' THEN 'skipped'
        WHEN '["error"]'   THEN 'error'
    END,
    -- Integers only: 12.0, "12" and 1e3 are type errors, as in the pydantic contract.
    TRY_CAST(REGEXP_EXTRACT(f.duration_ms_json, '^\[(-?[0-9]{1,18})\]$', 1) AS BIGINT),
    -- Optional fields: missing (or null) takes the contract's default.
    CASE COALESCE(f.is_flaky_json, '[false]')
        WHEN '[true]'  THEN TRUE
        WHEN '[false]' THEN FALSE
    END,
    TRY_CAST(REGEXP_EXTRACT(COALESCE(f.flaky_confidence_json, '[0]'),
        '^\[(-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)\]$', 1) AS DOUBLE)
)]) AS t(
    is_oversized, event_id, event_type, org_id, project_id, `source`, test_id, run_id,
    is_rfc3339_utc, `status`, duration_ms, is_flaky, flaky_confidence);
