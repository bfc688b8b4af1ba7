-- One job, three sinks, one pass over the input.
EXECUTE STATEMENT SET
BEGIN

INSERT INTO argus_insight_generated
SELECT org_id, insight
FROM test_metrics_insights;

INSERT INTO postgres_test_metrics
SELECT
    org_id, project_id, window_start, window_end,
    total, passed, failed, skipped, errored, flaky,
    pass_rate, avg_duration_ms, p95_duration_ms,
    LOCALTIMESTAMP AS updated_at
FROM test_metrics_windows;

INSERT INTO argus_dlq
SELECT org_id, dead_letter
FROM test_executed_dead_letters;

END;
