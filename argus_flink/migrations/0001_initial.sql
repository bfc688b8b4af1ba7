-- Argus output tables (see contracts.md). Every tenant-facing query filters on org_id, so
-- org_id leads every primary key and index.

CREATE EXTENSION IF NOT EXISTS vector;

-- One row per (org, project, tumbling window); the test-metrics job upserts on the key.
CREATE TABLE test_metrics (
    org_id          text             NOT NULL,
    project_id      text             NOT NULL,
    window_start    timestamptz      NOT NULL,
    window_end      timestamptz      NOT NULL,
    total           bigint           NOT NULL,
    passed          bigint           NOT NULL,
    failed          bigint           NOT NULL,
    skipped         bigint           NOT NULL,
    errored         bigint           NOT NULL,
    flaky           bigint           NOT NULL,
    pass_rate       double precision,            -- null when every counted test was skipped
    avg_duration_ms double precision NOT NULL,
    p95_duration_ms double precision NOT NULL,
    updated_at      timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, project_id, window_start)
);

-- One row per distinct failure (org, fingerprint); counts are absolute values from job state.
CREATE TABLE failure_patterns (
    org_id         text        NOT NULL,
    fingerprint    text        NOT NULL,
    project_id     text,
    embedding      vector(384),
    sample_message text,
    occurrences    bigint      NOT NULL,
    first_seen     timestamptz NOT NULL,
    last_seen      timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, fingerprint)
);

-- Cosine distance, because the embeddings are L2-normalised sentence vectors.
CREATE INDEX failure_patterns_embedding_hnsw
    ON failure_patterns USING hnsw (embedding vector_cosine_ops);

-- One row per anomaly insight; the insight id is deterministic, so replays upsert in place.
CREATE TABLE anomalies (
    insight_id   text             PRIMARY KEY,
    org_id       text             NOT NULL,
    project_id   text,
    anomaly_kind text             NOT NULL CHECK (anomaly_kind IN
                     ('failure_rate_spike', 'duration_regression', 'flaky_test', 'error_burst')),
    subject      text             NOT NULL,
    observed     double precision,
    baseline     double precision,
    score        double precision,
    severity     text             NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    window_start timestamptz,
    detected_at  timestamptz      NOT NULL
);

CREATE INDEX anomalies_org_detected ON anomalies (org_id, detected_at DESC);
