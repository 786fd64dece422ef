-- TimescaleDB with the Timescale (TSL) licence: readings_5m is a continuous aggregate
-- with the same columns as the app-maintained table; real-time aggregation on, so the
-- newest, not yet materialised buckets are included. time_bucket's default origin equals
-- date_bin('5 minutes', ts, '2000-01-03') (docs/architecture.md "Storage").
CREATE MATERIALIZED VIEW readings_5m WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT participant_id, metric, time_bucket(interval '5 minutes', measured_at) AS bucket,
       count(value) AS n, coalesce(sum(value), 0) AS total,
       min(value) AS min_value, max(value) AS max_value
FROM readings
GROUP BY participant_id, metric, time_bucket(interval '5 minutes', measured_at)
WITH NO DATA;

SELECT add_continuous_aggregate_policy('readings_5m',
    start_offset => interval '8 days', end_offset => interval '5 minutes',
    schedule_interval => interval '5 minutes');

-- Compression after a delay longer than the longest gateway backlog (the 7-day buffer
-- window of docs/privacy.md "Ingestion hygiene"), so late back-fill never hits a compressed chunk.
-- TimescaleDB requires every column of a unique index (the natural key) to be a segment-by
-- or order-by column, hence device_id in the order.
ALTER TABLE readings SET (timescaledb.compress,
    timescaledb.compress_segmentby = 'participant_id, metric',
    timescaledb.compress_orderby = 'device_id, measured_at');
SELECT add_compression_policy('readings', compress_after => interval '8 days');
