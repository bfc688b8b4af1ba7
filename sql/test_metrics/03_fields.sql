-- Read the contract's fields out of each record, without trusting their types yet.
--
-- Flink inlines a view's expressions wherever its columns are used, so a JSON function in a
-- view would run once per use. Each step here and in 04_types.sql ends in
-- `CROSS JOIN UNNEST(ARRAY[ROW(...)])`: a one-row unnest, which the planner keeps as an
-- operator of its own, so each value is computed once per record and then passed along.

-- Step 1: parse the value once into a small object holding only the fields this job checks;
-- NULL when the value is not a JSON object.
CREATE VIEW test_executed_json AS
SELECT r.*, j.contract_fields
FROM argus_test_executed AS r
CROSS JOIN UNNEST(ARRAY[ROW(
    JSON_QUERY(r.record_value, '$[''event_id'', ''event_type'', ''timestamp'', ''org_id'',
        ''project_id'', ''source'', ''test_id'', ''run_id'', ''status'', ''duration_ms'',
        ''is_flaky'', ''flaky_confidence'']')
)]) AS j(contract_fields);

-- Step 2: each field as a one-element JSON array: ["abc"], [12], [true], [{...}], or NULL
-- when the field is missing or null. The array keeps the JSON type visible, so the checks
-- can tell the number 12 from the string "12", which JSON_VALUE alone cannot.
CREATE VIEW test_executed_fields AS
SELECT j.*, f.*
FROM test_executed_json AS j
CROSS JOIN UNNEST(ARRAY[ROW(
    JSON_QUERY(j.contract_fields, '$.event_id'         WITH WRAPPER),
    JSON_QUERY(j.contract_fields, '$.event_type'       WITH WRAPPER),
    JSON_QUERY(j.contract_fields, '$.timestamp'        WITH WRAPPER),
    JSON_QUERY(j.contract_fields, '$.org_id'           WITH WRAPPER),
    JSON_QUERY(j.contract_fields, '$.project_id'       WITH WRAPPER),
    JSON_QUERY(j.contract_fields, '$.source'           WITH WRAPPER),
    JSON_QUERY(j.contract_fields, '$.test_id'          WITH WRAPPER),
    JSON_QUERY(j.contract_fields, '$.run_id'           WITH WRAPPER),
    JSON_QUERY(j.contract_fields, '$.status'           WITH WRAPPER),
    JSON_QUERY(j.contract_fields, '$.duration_ms'      WITH WRAPPER),
    JSON_QUERY(j.contract_fields, '$.is_flaky'         WITH WRAPPER),
    JSON_QUERY(j.contract_fields, '$.flaky_confidence' WITH WRAPPER)
)]) AS f(
    event_id_json, event_type_json, timestamp_json, org_id_json, project_id_json, source_json,
    test_id_json, run_id_json, status_json, duration_ms_json, is_flaky_json,
    flaky_confidence_json);
