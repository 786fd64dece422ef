-- Readings on plain PostgreSQL: daily range partitions created ahead by the app
-- (ingest/db/partitions.py), retention by dropping partitions (docs/architecture.md "Storage").
CREATE TABLE readings (
    device_id       uuid NOT NULL,
    metric          text NOT NULL,
    measured_at     timestamptz NOT NULL,
    participant_id  uuid NOT NULL,
    received_at     timestamptz NOT NULL,
    value           double precision,   -- NULL only for censored sensor LOW/HIGH
    unit            text NOT NULL,
    flags           smallint NOT NULL DEFAULT 0,  -- bit set, see ingest/flags.py
    -- Natural key (docs/privacy.md "Ingestion hygiene"): re-sending stores nothing new.
    PRIMARY KEY (device_id, metric, measured_at)
) PARTITION BY RANGE (measured_at);

-- A late reading outside every created partition still lands (and is never lost).
CREATE TABLE readings_default PARTITION OF readings DEFAULT;

-- Covering index for per-participant time-range reads (docs/architecture.md "Storage").
CREATE INDEX readings_participant_metric_ts
    ON readings (participant_id, metric, measured_at) INCLUDE (value);
