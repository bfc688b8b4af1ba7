-- Flags from the detectors (epoch milliseconds) into the anomalies sink. The session time
-- zone is UTC, so the LTZ-to-TIMESTAMP cast yields UTC wall-clock values.
INSERT INTO ${SINK}
SELECT
    `insight_id`,
    `org_id`,
    NULLIF(`project_id`, ''),
    `anomaly_kind`,
    `subject`,
    `observed`,
    `baseline`,
    `score`,
    `severity`,
    CAST(TO_TIMESTAMP_LTZ(`window_start_ms`, 3) AS TIMESTAMP(3)),
    CAST(TO_TIMESTAMP_LTZ(`detected_at_ms`, 3) AS TIMESTAMP(3))
FROM ${SOURCE_VIEW}
