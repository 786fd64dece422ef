-- App-maintained 5-minute rollup (plain PostgreSQL, and TimescaleDB under the Apache
-- licence, which has no continuous aggregates). Same columns as the continuous aggregate
-- in 0003_rollup.tsl.sql. Sum and count are stored, not the mean, so late data merges
-- exactly; ingest/storage/readings.py upserts into it in the same statement as readings.
CREATE TABLE readings_5m (
    participant_id  uuid NOT NULL,
    metric          text NOT NULL,
    bucket          timestamptz NOT NULL,   -- date_bin('5 minutes', ts, '2000-01-03')
    n               bigint NOT NULL,
    total           double precision NOT NULL,
    min_value       double precision,
    max_value       double precision,
    PRIMARY KEY (participant_id, metric, bucket)
);
