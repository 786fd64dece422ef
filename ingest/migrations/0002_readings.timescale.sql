-- Readings on TimescaleDB: a hypertable with 1-day chunks (docs/architecture.md "Storage").
-- Compression, the continuous aggregate and retention need the Timescale (TSL) licence
-- and are added by ingest/db/timescale.py only when the licence allows; the app-maintained
-- readings_5m table below is replaced by a continuous aggregate in that case.
CREATE TABLE readings (
    device_id       uuid NOT NULL,
    metric          text NOT NULL,
    measured_at     timestamptz NOT NULL,
    participant_id  uuid NOT NULL,
    received_at     timestamptz NOT NULL,
    value           double precision,
    unit            text NOT NULL,
    flags           smallint NOT NULL DEFAULT 0,
    PRIMARY KEY (device_id, metric, measured_at)
);
SELECT create_hypertable('readings', 'measured_at', chunk_time_interval => interval '1 day');
CREATE INDEX readings_participant_metric_ts
    ON readings (participant_id, metric, measured_at) INCLUDE (value);
