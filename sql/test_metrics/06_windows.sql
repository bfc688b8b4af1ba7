-- Shape of the stream: one row per valid, on-time delivery
--   -> one row per distinct event_id in each window (window deduplication)
--   -> one row per (org_id, project_id, window): the test_metrics payload of the contract.

-- Events without a project count under the empty project id, so no valid event is lost.
CREATE VIEW test_executed_counted AS
SELECT
    event_time,
    org_id,
    COALESCE(project_id, '') AS project_id,
    event_id,
    `status`,
    duration_ms,
    is_flaky
FROM test_executed_checked
WHERE rejection IS NULL;

-- Window deduplication rather than a plain ROW_NUMBER dedupe: its state is bounded (it is
-- dropped when the window fires) and its output stays insert-only, so the aggregate below
-- is a window aggregate too. A re-delivery is the same event, so it has the same timestamp
-- and falls in the same window. The org is part of the key: one tenant's event_id can never
-- hide another tenant's event.
CREATE VIEW test_executed_once AS
SELECT window_start, window_end, org_id, project_id, `status`, duration_ms, is_flaky
FROM (
    SELECT
        *,
        ROW_NUMBER() OVER (
            PARTITION BY window_start, window_end, org_id, event_id
            ORDER BY event_time ASC
        ) AS delivery
    FROM TABLE(
        TUMBLE(TABLE test_executed_counted, DESCRIPTOR(event_time), INTERVAL '${WINDOW_MINUTES}' MINUTE))
)
WHERE delivery = 1;

CREATE VIEW test_metrics_windows AS
SELECT
    org_id,
    project_id,
    window_start,
    window_end,
    COUNT(*)                                               AS total,
    COUNT(*) FILTER (WHERE `status` = 'passed')            AS passed,
    COUNT(*) FILTER (WHERE `status` = 'failed')            AS failed,
    COUNT(*) FILTER (WHERE `status` = 'skipped')           AS skipped,
    COUNT(*) FILTER (WHERE `status` = 'error')             AS errored,
    COUNT(*) FILTER (WHERE is_flaky)                       AS flaky,
    -- passed / (total - skipped), NULL when every counted test was skipped.
    CAST(COUNT(*) FILTER (WHERE `status` = 'passed') AS DOUBLE)
        / NULLIF(COUNT(*) FILTER (WHERE `status` <> 'skipped'), 0) AS pass_rate,
    AVG(CAST(duration_ms AS DOUBLE))                       AS avg_duration_ms,
    -- Linear interpolation between ranks, like PostgreSQL's percentile_cont.
    PERCENTILE(duration_ms, 0.95)                          AS p95_duration_ms
FROM test_executed_once
GROUP BY org_id, project_id, window_start, window_end;
