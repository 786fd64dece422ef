-- Tallies kept up to date as data arrive, so that the triage list ranks 1,000
-- participants from a few rows each instead of aggregating thousands per request
-- (bench/triage.py: aggregating readings_5m instead takes seconds on 2 cores):
--
-- * cgm_days: per participant and UTC day, CGM readings by glucose range and the
--   5-minute buckets with data (14-day time below 54 mg/dL, data sufficiency);
-- * stream_hours: per participant, metric and hour, the 5-minute buckets with data
--   (heart-rate wear time over the last 24 h).
--
-- Ranges: 54 and 70 mg/dL are the level 2 / level 1 hypoglycaemia cut-offs and 70-180,
-- > 180, > 250 the ranges of the international consensus on time in range (Battelino
-- et al., Diabetes Care 2019;42:1593), the values of analytics/clinical_constants.py
-- (a test checks that the two agree). A censored reading counts where the sensor put it:
-- LOW (below the sensor's range, which starts at 40 mg/dL or lower) below 54, HIGH (above
-- a range that ends at 400 mg/dL or higher) above 250 (docs/clinical.md).

CREATE TABLE cgm_days (
    participant_id  uuid NOT NULL,
    day             date NOT NULL,              -- UTC date of measured_at
    readings        integer NOT NULL DEFAULT 0, -- including censored LOW/HIGH
    buckets         integer NOT NULL DEFAULT 0, -- 5-minute buckets with >= 1 reading
    below_54        integer NOT NULL DEFAULT 0,
    below_70        integer NOT NULL DEFAULT 0, -- includes below_54
    in_range        integer NOT NULL DEFAULT 0, -- 70-180 inclusive
    above_180       integer NOT NULL DEFAULT 0,
    above_250       integer NOT NULL DEFAULT 0, -- included in above_180
    PRIMARY KEY (participant_id, day)
) WITH (fillfactor = 50);  -- room for HOT updates: every reading updates its day's row

CREATE FUNCTION cgm_days_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- flags bits: 2 = censored_low, 4 = censored_high (ingest/flags.py)
    -- value is NULL only for a censored reading, so each comparison defaults to false.
    low  boolean := (NEW.flags & 2) <> 0 OR coalesce(NEW.value < 54, false);
    low1 boolean := (NEW.flags & 2) <> 0 OR coalesce(NEW.value < 70, false);
    high boolean := (NEW.flags & 4) <> 0 OR coalesce(NEW.value > 180, false);
    vhigh boolean := (NEW.flags & 4) <> 0 OR coalesce(NEW.value > 250, false);
    bucket timestamptz := date_bin('5 minutes', NEW.measured_at, '2000-01-03');
    first_in_bucket boolean;
BEGIN
    -- A bucket is counted by its first reading: the earliest received (rows of one
    -- statement share received_at; the earliest of those by time and device). Two
    -- concurrent transactions filling one bucket of one participant could both count
    -- it; that needs two CGMs on one person uploading at the same instant.
    SELECT NOT EXISTS (
        SELECT 1 FROM readings r
        WHERE r.participant_id = NEW.participant_id AND r.metric = 'glucose'
          AND r.measured_at >= bucket AND r.measured_at < bucket + interval '5 minutes'
          AND (r.received_at < NEW.received_at
               OR (r.received_at = NEW.received_at
                   AND (r.measured_at, r.device_id) < (NEW.measured_at, NEW.device_id)))
    ) INTO first_in_bucket;
    INSERT INTO cgm_days AS d (participant_id, day, readings, buckets, below_54, below_70,
                               in_range, above_180, above_250)
    VALUES (NEW.participant_id, (NEW.measured_at AT TIME ZONE 'UTC')::date, 1,
            first_in_bucket::int, low::int, low1::int, (NOT low1 AND NOT high)::int,
            high::int, vhigh::int)
    ON CONFLICT (participant_id, day) DO UPDATE SET
        readings = d.readings + 1,
        buckets = d.buckets + excluded.buckets,
        below_54 = d.below_54 + excluded.below_54,
        below_70 = d.below_70 + excluded.below_70,
        in_range = d.in_range + excluded.in_range,
        above_180 = d.above_180 + excluded.above_180,
        above_250 = d.above_250 + excluded.above_250;
    RETURN NULL;
END $$;

-- Row trigger on the parent: it applies to every partition (and to a hypertable's
-- chunks); heart-rate rows stop at the WHEN clause.
CREATE TRIGGER readings_cgm_days AFTER INSERT ON readings
    FOR EACH ROW WHEN (NEW.metric = 'glucose') EXECUTE FUNCTION cgm_days_count();

-- Readings stored before this migration.
INSERT INTO cgm_days (participant_id, day, readings, buckets, below_54, below_70, in_range,
                      above_180, above_250)
SELECT participant_id, (measured_at AT TIME ZONE 'UTC')::date, count(*),
       count(DISTINCT date_bin('5 minutes', measured_at, '2000-01-03')),
       count(*) FILTER (WHERE flags & 2 <> 0 OR value < 54),
       count(*) FILTER (WHERE flags & 2 <> 0 OR value < 70),
       count(*) FILTER (WHERE flags & 6 = 0 AND value BETWEEN 70 AND 180),
       count(*) FILTER (WHERE flags & 4 <> 0 OR value > 180),
       count(*) FILTER (WHERE flags & 4 <> 0 OR value > 250)
FROM readings WHERE metric = 'glucose' GROUP BY 1, 2;

GRANT SELECT, INSERT, UPDATE ON cgm_days TO wearmon_app;

-- stream_hours counts the rows readings_5m gains. Where readings_5m is a table kept by
-- the application, a trigger counts each new bucket once; where it is TimescaleDB's
-- continuous aggregate (no triggers), stream_hours is a view over it (same columns).
DO $$
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = 'readings_5m'::regclass) = 'r' THEN
        CREATE TABLE stream_hours (
            participant_id  uuid NOT NULL,
            metric          text NOT NULL,
            hour            timestamptz NOT NULL,
            buckets         integer NOT NULL,
            PRIMARY KEY (participant_id, metric, hour)
        ) WITH (fillfactor = 50);  -- room for HOT updates (12 per row and hour)
        CREATE FUNCTION stream_hours_count() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN
            INSERT INTO stream_hours AS s (participant_id, metric, hour, buckets)
            VALUES (NEW.participant_id, NEW.metric, date_trunc('hour', NEW.bucket, 'UTC'), 1)
            ON CONFLICT (participant_id, metric, hour)
                DO UPDATE SET buckets = s.buckets + 1;
            RETURN NULL;
        END $f$;
        -- Fires for new buckets only: ON CONFLICT DO UPDATE fires UPDATE triggers instead.
        CREATE TRIGGER readings_5m_stream_hours AFTER INSERT ON readings_5m
            FOR EACH ROW WHEN (NEW.metric = 'heart_rate')
            EXECUTE FUNCTION stream_hours_count();
        INSERT INTO stream_hours (participant_id, metric, hour, buckets)
        SELECT participant_id, metric, date_trunc('hour', bucket, 'UTC'), count(*)
        FROM readings_5m WHERE metric = 'heart_rate' GROUP BY 1, 2, 3;
        GRANT SELECT, INSERT, UPDATE ON stream_hours TO wearmon_app;
    ELSE
        CREATE VIEW stream_hours AS
        SELECT participant_id, metric, date_trunc('hour', bucket, 'UTC') AS hour,
               count(*)::integer AS buckets
        FROM readings_5m GROUP BY 1, 2, 3;
        GRANT SELECT ON stream_hours TO wearmon_app;
    END IF;
END $$;
