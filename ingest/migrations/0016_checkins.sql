-- Wellbeing check-ins (docs/checkins.md): one row per completed check-in, scored by the
-- server from the instrument file named by (instrument, instrument_version), and one row
-- per item with the time it was answered. Uploaded by the home gateway exactly once:
-- (gateway, Idempotency-Key) and (participant, instrument, completed_at) are unique.

CREATE TABLE checkins (
    checkin_id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    participant_id      uuid NOT NULL REFERENCES participants,
    gateway_id          uuid NOT NULL REFERENCES gateways,
    idempotency_key     text NOT NULL,
    body_sha256         bytea NOT NULL,
    instrument          text NOT NULL,
    instrument_version  text NOT NULL,
    completed_at        timestamptz NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    -- NULL when more items were skipped than the instrument's scoring rule prorates.
    score               smallint,
    points              smallint NOT NULL,
    answered            smallint NOT NULL,
    skipped             smallint NOT NULL,
    prorated            boolean NOT NULL,
    positive            boolean,
    cutoff              smallint,
    -- An answer to an item flagged as risk in the instrument (the HIGH alert's trigger).
    risk                boolean NOT NULL DEFAULT false,
    -- The first read of the participant's page by a clinician of their care team after
    -- the check-in arrived ("seen by the care team" on the participant's home page).
    seen_at             timestamptz,
    seen_by             uuid REFERENCES accounts,
    UNIQUE (gateway_id, idempotency_key),
    UNIQUE (participant_id, instrument, completed_at)
);
CREATE INDEX checkins_participant ON checkins (participant_id, completed_at);

CREATE TABLE checkin_answers (
    checkin_id   uuid NOT NULL REFERENCES checkins ON DELETE CASCADE,
    item         smallint NOT NULL CHECK (item BETWEEN 1 AND 100),
    answer       text NOT NULL CHECK (answer IN ('yes', 'no', 'skip')),
    answered_at  timestamptz NOT NULL,
    PRIMARY KEY (checkin_id, item)
);

-- The name the participant chose to be greeted by (identifying: kept with the identity).
ALTER TABLE participant_identity
    ADD COLUMN preferred_name text CHECK (length(preferred_name) BETWEEN 1 AND 50);

GRANT SELECT, INSERT, UPDATE ON checkins TO wearmon_app;
GRANT SELECT, INSERT ON checkin_answers TO wearmon_app;
GRANT SELECT ON checkins, checkin_answers TO wearmon_custodian;
